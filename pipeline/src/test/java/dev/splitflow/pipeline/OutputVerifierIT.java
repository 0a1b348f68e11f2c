package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.Checksums;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.OutputVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
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
    Files.write(shorter.resolve("train_chunk_00001.pt"), Arrays.copyOf(b, b.length - 1));
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

  /** The manifest of {@code dir}, edited by {@code edit}, written back. */
  static void editManifest(Path dir, Consumer<ObjectNode> edit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(dir.resolve(ChunkNames.MANIFEST).toFile());
    edit.accept(root);
    Files.writeString(
        dir.resolve(ChunkNames.MANIFEST),
        json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  static ObjectNode chunk(ObjectNode root, String name) {
    for (JsonNode c : root.path("chunks")) {
      if (c.path("name").asText().equals(name)) {
        return (ObjectNode) c;
      }
    }
    throw new AssertionError(name);
  }

  private static OutputVerifier.Report report(Path dir) throws IOException {
    return OutputVerifier.verify(new LocalFolder(dir), -1);
  }

  private static void assertCaught(Path dir, String check, String named) throws IOException {
    OutputVerifier.Report r = report(dir);
    assertFalse(r.ok(), r.describe());
    assertTrue(
        r.failures().stream().anyMatch(f -> f.check().equals(check) && f.reason().contains(named)),
        check + " naming " + named + ": " + r.describe());
  }

  @Test
  void aByteFlipWithSizeAndCrc32cUpdatedIsCaughtBySha256() throws IOException {
    Path dir = copy("sha");
    Path file = dir.resolve("val_chunk_00000.pt");
    byte[] b = Files.readAllBytes(file);
    b[b.length / 2] ^= 1;
    Files.write(file, b);
    CRC32C crc = new CRC32C();
    crc.update(b);
    editManifest(
        dir,
        m ->
            chunk(m, "val_chunk_00000.pt")
                .put("crc32c", Checksums.crc32cBase64((int) crc.getValue())));
    assertTrue(OutputVerifier.verify(new LocalFolder(dir), 0).ok(), "metadata alone agrees");
    assertCaught(dir, "chunk sha256", "val_chunk_00000.pt");
  }

  @Test
  void theManifestsConfigIsCheckedAgainstTheIndices() throws IOException {
    Path dir = copy("config");
    editManifest(dir, m -> ((ObjectNode) m.path("config")).put("seed", 7));
    assertCaught(dir, "manifest config", "config.seed is 7");
  }

  @Test
  void perSplitSumsAreCheckedAgainstTheChunkList() throws IOException {
    Path dir = copy("sums");
    editManifest(
        dir,
        m -> {
          ObjectNode train = (ObjectNode) m.path("splits").path("train");
          train.put("bytes", train.path("bytes").asLong() + 1);
        });
    assertCaught(dir, "split sums", "splits.train");
  }

  @Test
  void aChunksSplitFieldMustMatchItsName() throws IOException {
    Path dir = copy("splitfield");
    editManifest(dir, m -> chunk(m, "val_chunk_00000.pt").put("split", "test"));
    assertCaught(dir, "chunk split", "val_chunk_00000.pt");
  }

  @Test
  void trailingContentAfterTheManifestIsRefused() throws IOException {
    Path dir = copy("trailing");
    Files.writeString(
        dir.resolve(ChunkNames.MANIFEST), "{\"format\": 1}\n", StandardOpenOption.APPEND);
    assertCaught(dir, "manifest", "content after it");
  }

  @Test
  void aStrayCopyALoadersGlobWouldReadIsReported() throws IOException {
    Path dir = copy("stray");
    Files.copy(dir.resolve("test_chunk_00000.pt"), dir.resolve("test_chunk_00001 (copy).pt"));
    assertCaught(dir, "unlisted chunk", "test_chunk_00001 (copy).pt");
  }

  @Test
  void pathsThatLeaveTheFolderAreNeverFollowed() throws IOException {
    Path dir = copy("escape");
    editManifest(
        dir, m -> ((ObjectNode) m.path("indices")).put("file", "../good/" + ChunkNames.INDICES));
    assertCaught(dir, "indices", "never followed");
    Path chunks = copy("escape-chunk");
    editManifest(
        chunks, m -> chunk(m, "train_chunk_00000.pt").put("name", "../good/train_chunk_00000.pt"));
    assertCaught(chunks, "chunk name", "../good/train_chunk_00000.pt");
  }
}
