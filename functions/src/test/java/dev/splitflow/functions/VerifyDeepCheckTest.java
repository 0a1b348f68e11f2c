package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.functions.testing.MutableClock;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.RecordingPublisher;
import dev.splitflow.functions.testing.TestGcs;
import dev.splitflow.output.ChunkNames;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verify function's deep check option ({@code SPLITFLOW_DEEP_CHECK_CHUNKS}) over a real
 * pipeline output (made by the pipeline's jar): chunks made again without a runner are
 * byte-identical to the pipeline's, and a consistent tamper the metadata checks cannot see fails.
 */
class VerifyDeepCheckTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final String BUCKET = "data";
  static final String FOLDER = "datasets/cxr/";
  static final String OUT = FOLDER + "split/";
  static final String RUN = "sf-00deep0check0000000";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static Path batches;
  static Path output;

  private final Storage storage = TestGcs.create();
  private final MutableClock clock = new MutableClock(T0);
  private final RecordingPublisher publisher = new RecordingPublisher();

  @BeforeAll
  static void split() throws Exception {
    batches = SyntheticBatch.writeDataset(work.resolve("in"), 3, 40, 64, 3).get(0).getParent();
    output = work.resolve("out");
    Pipeline.split(batches, output, "--chunkSize=10", "--runId=" + RUN);
  }

  @BeforeEach
  void upload() throws Exception {
    Pipeline.upload(storage, batches, BUCKET, FOLDER);
    Pipeline.upload(storage, output, BUCKET, OUT);
  }

  private VerifySplitFunction function(String deepChunks) {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "p");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, BUCKET);
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/p/topics/summaries");
    if (deepChunks != null) {
      env.put(VerifyConfig.DEEP_CHECK_CHUNKS, deepChunks);
    }
    return new VerifySplitFunction(VerifyConfig.fromEnv(env), storage, publisher, clock);
  }

  private JsonNode verify(VerifySplitFunction fn) throws Exception {
    fn.accept(Events.finalized(storage.get(BlobId.of(BUCKET, OUT + ChunkNames.MANIFEST)), T0));
    assertEquals(1, publisher.messages().size(), "summaries: " + publisher.messages());
    return publisher.messages().get(0).body();
  }

  /**
   * Swaps two train chunks' bytes and their manifest entries (size, CRC32C, SHA-256, records):
   * every object still matches its manifest entry, each chunk its split and record count.
   */
  private void swapTrainChunksZeroAndOne() throws Exception {
    String a = OUT + "train_chunk_00000.pt";
    String b = OUT + "train_chunk_00001.pt";
    byte[] bytesA = storage.readAllBytes(BlobId.of(BUCKET, a));
    byte[] bytesB = storage.readAllBytes(BlobId.of(BUCKET, b));
    storage.create(BlobInfo.newBuilder(BUCKET, a).build(), bytesB);
    storage.create(BlobInfo.newBuilder(BUCKET, b).build(), bytesA);
    ObjectNode manifest =
        (ObjectNode)
            JSON.readTree(storage.readAllBytes(BlobId.of(BUCKET, OUT + ChunkNames.MANIFEST)));
    ObjectNode entryA = null;
    ObjectNode entryB = null;
    for (JsonNode c : manifest.path("chunks")) {
      String name = c.path("name").asText();
      if (name.equals("train_chunk_00000.pt")) {
        entryA = (ObjectNode) c;
      } else if (name.equals("train_chunk_00001.pt")) {
        entryB = (ObjectNode) c;
      }
    }
    ObjectNode copyA = entryA.deepCopy();
    for (Iterator<String> it = entryA.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!List.of("name", "number", "split").contains(field)) {
        entryA.set(field, entryB.get(field));
        entryB.set(field, copyA.get(field));
      }
    }
    assertFalse(copyA.equals(entryA), "the entries differ, so the swap changed something");
    storage.create(
        BlobInfo.newBuilder(BUCKET, OUT + ChunkNames.MANIFEST).build(),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
  }

  @Test
  void everyChunkMadeAgainWithoutARunnerIsThePipelinesByteForByte() throws Exception {
    JsonNode s = verify(function("1000000"));
    assertEquals("SUCCEEDED", s.path("status").asText(), s.toString());
    assertEquals(0, s.path("failed_checks").size());
  }

  @Test
  void theMetadataOnlyDefaultCannotSeeTwoChunksSwappedWithTheManifestUpdated() throws Exception {
    swapTrainChunksZeroAndOne();
    JsonNode s = verify(function(null));
    assertEquals("SUCCEEDED", s.path("status").asText(), s.toString());
  }

  @Test
  void theDeepCheckCatchesTwoChunksSwappedWithTheManifestUpdated() throws Exception {
    swapTrainChunksZeroAndOne();
    JsonNode s = verify(function("1000000"));
    assertEquals("FAILED", s.path("status").asText(), s.toString());
    assertEquals("verify", s.path("stage").asText());
    String checks = s.path("failed_checks").toString();
    assertTrue(
        checks.contains("train_chunk_00000.pt is not what the input and indices make"), checks);
    assertTrue(
        checks.contains("train_chunk_00001.pt is not what the input and indices make"), checks);
    assertEquals(2, s.path("failed_checks").size(), checks);
  }

  @Test
  void aSampleChecksOnlySomeChunksAndAZeroCountIsTheDefault() throws Exception {
    assertEquals(0, VerifyConfig.fromEnv(env()).deepCheckChunks());
    assertEquals(
        VerifyConfig.DEEP_CHECK_SECONDS_DEFAULT,
        VerifyConfig.fromEnv(env()).deepCheckTime().toSeconds());
    JsonNode s = verify(function("2"));
    assertEquals("SUCCEEDED", s.path("status").asText(), s.toString());
  }

  private static Map<String, String> env() {
    return Map.of(
        LaunchConfig.PROJECT, "p",
        LaunchConfig.REGION, "europe-west4",
        LaunchConfig.BUCKET, BUCKET,
        LaunchConfig.SUMMARY_TOPIC, "projects/p/topics/summaries");
  }
}
