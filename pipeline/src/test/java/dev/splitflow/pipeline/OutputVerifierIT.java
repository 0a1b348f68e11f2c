package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.OutputVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier on a real pipeline output, intact and with each kind of damage. */
class OutputVerifierIT {
  @TempDir static Path tmp;
  static Path good;

  @BeforeAll
  static void split() throws IOException {
    Path batches = tmp.resolve("batches");
    SyntheticBatch.writeDataset(batches, 3, 60, 1024, 9);
    good = tmp.resolve("good");
    SplitPipelineIT.split(SplitPipelineIT.options(batches, good, 2));
  }

  private static Path copy(String name) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(name));
    try (Stream<Path> s = Files.list(good)) {
      for (Path p : s.toList()) {
        Files.copy(p, dir.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return dir;
  }

  private static List<String> failedChecks(Path dir) throws IOException {
    OutputVerifier.Report r = OutputVerifier.verify(new LocalFolder(dir), -1);
    return r.failures().stream().map(OutputVerifier.Failure::check).toList();
  }

  @Test
  void anIntactOutputPasses() throws IOException {
    OutputVerifier.Report r = OutputVerifier.verify(new LocalFolder(good), -1);
    assertTrue(r.ok(), r.describe());
    assertEquals(r.manifest().chunks().size(), r.chunksOpened());
  }

  @Test
  void aMissingChunkIsNamed() throws IOException {
    Path dir = copy("missing");
    Files.delete(dir.resolve("val_chunk_00000.pt"));
    OutputVerifier.Report r = OutputVerifier.verify(new LocalFolder(dir), 0);
    assertFalse(r.ok());
    assertTrue(
        r.describe().contains("val_chunk_00000.pt is listed in the manifest but missing"),
        r.describe());
  }

  @Test
  void anExtraChunkIsNamed() throws IOException {
    Path dir = copy("extra");
    Files.copy(dir.resolve("train_chunk_00000.pt"), dir.resolve("train_chunk_00099.pt"));
    assertEquals(List.of("unlisted chunk"), failedChecks(dir));
  }

  @Test
  void aChangedChunkFailsOnSizeOrChecksum() throws IOException {
    Path shorter = copy("shorter");
    byte[] b = Files.readAllBytes(shorter.resolve("train_chunk_00001.pt"));
    Files.write(shorter.resolve("train_chunk_00001.pt"), java.util.Arrays.copyOf(b, b.length - 1));
    assertTrue(failedChecks(shorter).contains("chunk size"));

    Path flipped = copy("flipped");
    b[b.length / 2] ^= 1;
    Files.write(flipped.resolve("train_chunk_00001.pt"), b);
    assertEquals(List.of("chunk checksum"), failedChecks(flipped));
  }

  @Test
  void changedIndicesAreCaught() throws IOException {
    Path dir = copy("indices");
    Path indices = dir.resolve(ChunkNames.INDICES);
    String json = Files.readString(indices);
    Files.writeString(indices, json.replaceFirst("\"train\": ?\\[(\\d+),", "\"train\": [$1, $1,"));
    List<String> failed = failedChecks(dir);
    assertTrue(failed.contains("indices"), failed.toString());
  }

  @Test
  void noManifestMeansNotFinished() throws IOException {
    Path dir = copy("nomanifest");
    Files.delete(dir.resolve(ChunkNames.MANIFEST));
    OutputVerifier.Report r = OutputVerifier.verify(new LocalFolder(dir), 0);
    assertEquals(
        List.of("manifest"), r.failures().stream().map(OutputVerifier.Failure::check).toList());
    assertTrue(r.describe().contains("has not finished"), r.describe());
  }
}
