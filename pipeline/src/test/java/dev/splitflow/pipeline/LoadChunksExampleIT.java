package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.Manifest;
import dev.splitflow.pt.TorchPython;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/examples/load_chunks.py, the training-side example of docs/loading-chunks.md, run with real
 * torch over a real split: it must load every chunk with torch.load(weights_only=True), count what
 * the manifest says, and refuse a tampered or missing chunk with a message naming it.
 */
class LoadChunksExampleIT {
  static final String SCRIPT = "docs/examples/load_chunks.py";

  @TempDir static Path tmp;
  static Path out;
  static Manifest manifest;

  @BeforeAll
  static void split() throws IOException {
    Path batches = tmp.resolve("batches");
    // 215 records in chunks of 16: several chunks per split.
    SyntheticBatch.writeDataset(batches, 5, 43, 2048, 3);
    out = tmp.resolve("out");
    SplitPipelineIT.split(SplitPipelineIT.options(batches, out, 2, "--chunkSize=16"));
    manifest =
        Manifest.parse(Files.readString(out.resolve(ChunkNames.MANIFEST)), ChunkNames.MANIFEST);
  }

  record Run(int code, String output) {}

  static Run example(Path folder, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(TorchPython.interpreter());
    cmd.add(TorchPython.REPO.resolve(SCRIPT).toString());
    cmd.add(folder.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), output);
  }

  static Path copyOfOutput(String name) throws IOException {
    Path copy = Files.createDirectories(tmp.resolve(name));
    try (Stream<Path> s = Files.list(out)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return copy;
  }

  /** The lines the example prints for a split, from the manifest's counts. */
  static List<String> expectedLines(String split, boolean loaded) {
    Manifest.SplitTotals t = manifest.splits().get(Split.fromJsonName(split));
    List<String> lines = new ArrayList<>();
    lines.add(split + ": " + t.records() + " records in " + t.chunks() + " chunks, sha256 ok");
    if (loaded) {
      lines.add(split + ": loaded " + t.records() + " records");
    }
    return lines;
  }

  static void assertPrints(Run run, List<String> expected) {
    assertEquals(0, run.code(), run.output());
    List<String> lines = run.output().lines().filter(l -> !l.startsWith("manifest: ")).toList();
    assertEquals(expected, lines, run.output());
  }

  @Test
  void loadsEverySplitWithWeightsOnlyAndCountsWhatTheManifestSays() throws Exception {
    assertEquals(5 * 43, manifest.splits().values().stream().mapToLong(t -> t.records()).sum());
    List<String> expected = new ArrayList<>();
    for (String split : List.of("train", "val", "test")) {
      expected.addAll(expectedLines(split, true));
    }
    Run run = example(out, "--split", "all");
    assertPrints(run, expected);
    assertTrue(run.output().startsWith("manifest: "), run.output());
  }

  @Test
  void dataLoaderWorkersAndMmapSeeEveryRecordOnce() throws Exception {
    assertPrints(example(out, "--split", "train", "--workers", "2"), expectedLines("train", true));
    assertPrints(example(out, "--split", "val", "--mmap"), expectedLines("val", true));
  }

  @Test
  void checkOnlyChecksEveryChunkWithoutLoading() throws Exception {
    assertPrints(example(out, "--split", "test", "--check-only"), expectedLines("test", false));
  }

  @Test
  void aTamperedChunkFailsNamingItsChecksum() throws Exception {
    Path copy = copyOfOutput("tampered");
    Path chunk = copy.resolve("val_chunk_00001.pt");
    byte[] bytes = Files.readAllBytes(chunk);
    bytes[bytes.length / 2] ^= 1; // same size, other content
    Files.write(chunk, bytes);
    String sha = manifestEntry("val_chunk_00001.pt").get("sha256");

    Run run = example(copy, "--split", "val");
    assertEquals(1, run.code(), run.output());
    assertTrue(run.output().contains("load_chunks.py: val_chunk_00001.pt: SHA-256 "), run.output());
    assertTrue(run.output().contains("the manifest says " + sha), run.output());
    // The check comes before any record is loaded.
    assertTrue(!run.output().contains("val: loaded"), run.output());
  }

  @Test
  void aMissingChunkFailsNamingIt() throws Exception {
    Path copy = copyOfOutput("missing");
    Files.delete(copy.resolve("test_chunk_00000.pt"));
    Run run = example(copy, "--split", "all", "--check-only");
    assertEquals(1, run.code(), run.output());
    assertTrue(
        run.output().contains("test_chunk_00000.pt: listed in the manifest but missing"),
        run.output());
  }

  @Test
  void aFolderWithoutManifestIsNotComplete() throws Exception {
    Path copy = copyOfOutput("unfinished");
    Files.delete(copy.resolve(ChunkNames.MANIFEST));
    Run run = example(copy);
    assertEquals(1, run.code(), run.output());
    assertTrue(run.output().contains("the split has not finished, or it failed"), run.output());
  }

  private static Map<String, String> manifestEntry(String name) {
    return manifest.chunks().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .map(c -> Map.of("sha256", c.sha256(), "bytes", Long.toString(c.bytes())))
        .orElseThrow();
  }
}
