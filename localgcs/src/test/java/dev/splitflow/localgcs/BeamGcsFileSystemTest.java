package dev.splitflow.localgcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.MimeTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beam's GcsFileSystem (gcsio underneath) against the local service, pointed at it with the hidden
 * {@code gcsEndpoint} option and no credentials: resumable writes, ranged reads, matches, and
 * copies and deletes sent as batch requests.
 */
class BeamGcsFileSystemTest {
  @TempDir Path dir;
  LocalGcs gcs;

  @BeforeEach
  void start() throws Exception {
    gcs = LocalGcs.start(dir, "127.0.0.1", 0, null);
    gcs.createBucket("data");
    GcsOptions options = PipelineOptionsFactory.create().as(GcsOptions.class);
    options.setGcsEndpoint(gcs.url() + "/storage/v1/");
    options.setCredentialFactoryClass(NoopCredentialFactory.class);
    options.setProject("p");
    FileSystems.setDefaultPipelineOptions(options);
  }

  @AfterEach
  void stop() {
    gcs.close();
  }

  static ResourceId gs(String path) {
    return FileSystems.matchNewResource("gs://data/" + path, false);
  }

  @Test
  void writesReadsMatchesCopiesAndDeletes() throws Exception {
    byte[] data = new byte[5_000_000];
    new Random(5).nextBytes(data);
    try (WritableByteChannel w = FileSystems.create(gs("in/batch_1.pt"), MimeTypes.BINARY);
        OutputStream os = Channels.newOutputStream(w)) {
      os.write(data);
    }
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("data/in/batch_1.pt")));

    try (SeekableByteChannel r = (SeekableByteChannel) FileSystems.open(gs("in/batch_1.pt"))) {
      assertEquals(data.length, r.size());
      r.position(4_000_000);
      ByteBuffer buf = ByteBuffer.allocate(1000);
      while (buf.hasRemaining() && r.read(buf) > 0) {}
      assertArrayEquals(Arrays.copyOfRange(data, 4_000_000, 4_001_000), buf.array());
    }

    MatchResult m = FileSystems.match("gs://data/in/batch_*.pt");
    assertEquals(1, m.metadata().size());
    assertEquals(data.length, m.metadata().get(0).sizeBytes());

    FileSystems.copy(List.of(gs("in/batch_1.pt")), List.of(gs("out/copy.pt")));
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("data/out/copy.pt")));
    FileSystems.rename(
        List.of(gs("out/copy.pt")),
        List.of(gs("out/renamed.pt")),
        MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    assertFalse(Files.exists(dir.resolve("data/out/copy.pt")));
    assertTrue(Files.exists(dir.resolve("data/out/renamed.pt")));
    FileSystems.delete(List.of(gs("out/renamed.pt"), gs("in/batch_1.pt")));
    assertFalse(Files.exists(dir.resolve("data/in/batch_1.pt")));
    assertTrue(gcs.stats().requests("copy") >= 2, gcs.stats().toJson().toString());
  }

  @Test
  void aDroppedConnectionAndA503MidReadAreRetried() throws Exception {
    byte[] data = new byte[3_000_000];
    new Random(6).nextBytes(data);
    try (WritableByteChannel w = FileSystems.create(gs("f.bin"), MimeTypes.BINARY)) {
      w.write(ByteBuffer.wrap(data));
    }
    gcs.faults().add(new Faults.Rule("GET", "media", null, "f\\.bin", List.of(), 1, 1_000_000, 0));
    gcs.faults().add(Faults.Rule.statuses("media", "f\\.bin", 503));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var in = Channels.newInputStream(FileSystems.open(gs("f.bin")))) {
      in.transferTo(out);
    }
    assertArrayEquals(data, out.toByteArray());
    List<String> names = new ArrayList<>();
    FileSystems.match("gs://data/*")
        .metadata()
        .forEach(md -> names.add(md.resourceId().toString()));
    assertEquals(List.of("gs://data/f.bin"), names);
  }
}
