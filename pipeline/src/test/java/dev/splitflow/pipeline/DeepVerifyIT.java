package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify --input}: consistent tampers that every metadata and byte check passes are caught
 * by making the chunks again from the batch files and the indices.
 */
class DeepVerifyIT {
  @TempDir static Path tmp;
  static Path batches;
  static Path good;

  @BeforeAll
  static void split() throws IOException {
    batches = tmp.resolve("batches");
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

  private static OutputVerifier.Report deep(Path dir) throws IOException {
    PipelineOptions o = PipelineOptionsFactory.create();
    o.setRunner(DirectRunner.class);
    o.as(DirectOptions.class).setTargetParallelism(2);
    return DeepVerify.verify(dir + "/", batches + "/", o);
  }

  private static void assertOnlyTheDeepCheckCatches(Path dir, String check, String named)
      throws IOException {
    OutputVerifier.Report shallow = OutputVerifier.verify(new LocalFolder(dir), -1);
    assertTrue(shallow.ok(), "a consistent tamper passes --read-chunks: " + shallow.describe());
    OutputVerifier.Report r = deep(dir);
    assertFalse(r.ok(), r.describe());
    assertTrue(
        r.failures().stream().anyMatch(f -> f.check().equals(check) && f.reason().contains(named)),
        check + " naming " + named + ": " + r.describe());
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static String crc32c(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b);
    return Checksums.crc32cBase64((int) crc.getValue());
  }

  @Test
  void anIntactOutputIsWhatItsInputMakes() throws IOException {
    OutputVerifier.Report r = deep(good);
    assertTrue(r.ok(), r.describe());
    assertEquals(r.manifest().chunks().size(), r.chunksOpened());
    try (Stream<Path> s = Files.list(good)) {
      // the chunks, the indices and the manifest: nothing more
      assertEquals(r.manifest().chunks().size() + 2, s.count(), "wrote nothing");
    }
  }

  @Test
  void twoChunksSwappedWithTheManifestUpdatedAreCaught() throws Exception {
    Path dir = copy("swapped");
    Path a = dir.resolve("train_chunk_00000.pt");
    Path b = dir.resolve("train_chunk_00001.pt");
    Path t = dir.resolve("t");
    Files.move(a, t);
    Files.move(b, a);
    Files.move(t, b);
    OutputVerifierIT.editManifest(
        dir,
        m -> {
          ObjectNode ca = OutputVerifierIT.chunk(m, "train_chunk_00000.pt");
          ObjectNode cb = OutputVerifierIT.chunk(m, "train_chunk_00001.pt");
          for (String f : new String[] {"records", "bytes", "crc32c", "sha256"}) {
            var va = ca.get(f);
            ca.set(f, cb.get(f));
            cb.set(f, va);
          }
        });
    assertOnlyTheDeepCheckCatches(dir, "chunk recomputed", "train_chunk_00000.pt");
  }

  @Test
  void aTensorByteFlippedWithSizeCrcAndShaUpdatedIsCaught() throws Exception {
    Path dir = copy("flipped");
    Path file = dir.resolve("val_chunk_00000.pt");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10; // the middle of a chunk is image bytes
    Files.write(file, bytes);
    String sha = sha256(bytes);
    String crc = crc32c(bytes);
    OutputVerifierIT.editManifest(
        dir,
        m -> OutputVerifierIT.chunk(m, "val_chunk_00000.pt").put("sha256", sha).put("crc32c", crc));
    assertOnlyTheDeepCheckCatches(dir, "chunk recomputed", "val_chunk_00000.pt");
  }

  @Test
  void aTrainValIndexSwapWithTheDigestUpdatedIsCaught() throws Exception {
    Path dir = copy("indexswap");
    Path indices = dir.resolve(ChunkNames.INDICES);
    String json = Files.readString(indices);
    var train = Pattern.compile("\"train\": \\[(\\d+)").matcher(json);
    var val = Pattern.compile("\"val\": \\[(\\d+)").matcher(json);
    assertTrue(train.find() && val.find());
    String swapped =
        json.replaceFirst(
                "\"train\": \\[" + train.group(1) + ",", "\"train\": [" + val.group(1) + ",")
            .replaceFirst("\"val\": \\[" + val.group(1) + ",", "\"val\": [" + train.group(1) + ",");
    Files.writeString(indices, swapped);
    byte[] b = Files.readAllBytes(indices);
    String sha = sha256(b);
    OutputVerifierIT.editManifest(
        dir, m -> ((ObjectNode) m.path("indices")).put("sha256", sha).put("bytes", b.length));
    assertOnlyTheDeepCheckCatches(dir, "indices plan", "train list differs");
  }
}
