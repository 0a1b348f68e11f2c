package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.functions.testing.MutableClock;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.RecordingPublisher;
import dev.splitflow.functions.testing.TestGcs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier over a real pipeline output (made by the pipeline's jar) in in-memory storage. */
class VerifySplitFunctionTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final String BUCKET = "data";
  static final String FOLDER = "datasets/cxr/";
  static final String OUT = FOLDER + "split/";
  static final String RUN = "sf-0123456789abcdef0123";

  @TempDir static Path work;
  static Path batches;
  static Path output;

  private final Storage storage = TestGcs.create();
  private final MutableClock clock = new MutableClock(T0);
  private final RecordingPublisher publisher = new RecordingPublisher();
  private VerifySplitFunction fn;

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
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "p");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, BUCKET);
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/p/topics/summaries");
    env.put(VerifyConfig.SAMPLE_CHUNKS, "3");
    fn = new VerifySplitFunction(VerifyConfig.fromEnv(env), storage, publisher, clock);
  }

  private Blob manifest() {
    return storage.get(BlobId.of(BUCKET, OUT + "_SPLIT_MANIFEST.json"));
  }

  private JsonNode onlySummary() {
    assertEquals(1, publisher.messages().size(), "summaries: " + publisher.messages());
    return publisher.messages().get(0).body();
  }

  private RunState state() throws Exception {
    return new RunStore(storage, BUCKET, "_splitflow/runs/").get(RUN).orElseThrow().state();
  }

  @Test
  void aCompleteOutputIsSucceededWithCountsPerSplitAndStratum() throws Exception {
    fn.accept(Events.finalized(manifest(), T0));
    JsonNode s = onlySummary();
    assertEquals("SUCCEEDED", s.path("status").asText());
    assertEquals(RUN, s.path("run_id").asText());
    assertEquals("gs://data/datasets/cxr/", s.path("dataset").asText());
    assertEquals(120, s.path("total_records").asLong());
    long chunks = 0;
    for (JsonNode sp : s.path("splits")) {
      chunks += sp.path("chunks").asLong();
    }
    assertEquals(
        StreamSupport.stream(
                storage.list(BUCKET, Storage.BlobListOption.prefix(OUT)).iterateAll().spliterator(),
                false)
            .filter(b -> b.getName().contains("_chunk_"))
            .count(),
        chunks);
    assertTrue(s.path("strata").size() > 0);
    assertEquals(0, s.path("failed_checks").size());
    Map<String, String> attributes = publisher.messages().get(0).attributes();
    assertEquals(
        Map.of("status", "SUCCEEDED", "run_id", RUN, "dataset", "gs://data/datasets/cxr/"),
        attributes);
    assertEquals(RunState.Status.SUCCEEDED, state().status());
  }

  @Test
  void duplicateManifestEventsPublishOneSummary() throws Exception {
    fn.accept(Events.finalized(manifest(), T0));
    fn.accept(Events.finalized(manifest(), T0));
    fn.accept(Events.notification(manifest(), T0));
    assertEquals(1, publisher.messages().size());
  }

  @Test
  void aMissingChunkFailsNamingIt() throws Exception {
    storage.delete(BlobId.of(BUCKET, OUT + "val_chunk_00001.pt"));
    fn.accept(Events.finalized(manifest(), T0));
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertEquals("verify", s.path("stage").asText());
    assertTrue(s.path("failed_checks").toString().contains("val_chunk_00001.pt"), s.toString());
    assertEquals(RunState.Status.FAILED, state().status());
  }

  @Test
  void aChunkWithOtherBytesOrAnUnlistedChunkFails() throws Exception {
    Blob chunk = storage.get(BlobId.of(BUCKET, OUT + "train_chunk_00000.pt"));
    byte[] bytes = chunk.getContent();
    bytes[bytes.length / 2] ^= 1;
    storage.create(BlobInfo.newBuilder(BUCKET, chunk.getName()).build(), bytes);
    storage.create(BlobInfo.newBuilder(BUCKET, OUT + "test_chunk_00099.pt").build(), new byte[3]);
    fn.accept(Events.finalized(manifest(), T0));
    String checks = onlySummary().path("failed_checks").toString();
    assertTrue(checks.contains("train_chunk_00000.pt"), checks);
    assertTrue(checks.contains("test_chunk_00099.pt"), checks);
  }

  @Test
  void aFailedJobOfOursGivesOneFailedSummaryNamingTheJob() throws Exception {
    fn.accept(
        Events.jobStatus(
            "2026-11-26_01_02_03-123", "splitflow-cxr-x", "JOB_STATE_RUNNING", RUN, T0));
    fn.accept(
        Events.jobStatus("2026-11-26_01_02_03-999", "other-job", "JOB_STATE_FAILED", null, T0));
    assertTrue(publisher.messages().isEmpty());
    fn.accept(
        Events.jobStatus(
            "2026-11-26_01_02_03-123", "splitflow-cxr-x", "JOB_STATE_FAILED", RUN, T0));
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertEquals("job", s.path("stage").asText());
    assertEquals("2026-11-26_01_02_03-123", s.path("job_id").asText());
    assertTrue(s.path("reason").asText().contains("template_launches/2026-11-26_01_02_03-123"));
    // A status event delivered again, and a manifest that somehow follows, add nothing.
    fn.accept(
        Events.jobStatus(
            "2026-11-26_01_02_03-123", "splitflow-cxr-x", "JOB_STATE_FAILED", RUN, T0));
    fn.accept(Events.finalized(manifest(), T0));
    assertEquals(1, publisher.messages().size());
  }

  @Test
  void otherObjectsAndOldEventsAreIgnored() throws Exception {
    fn.accept(Events.finalized(storage.get(BlobId.of(BUCKET, OUT + "train_chunk_00000.pt")), T0));
    fn.accept(Events.finalized(storage.get(BlobId.of(BUCKET, FOLDER + "batch_1.pt")), T0));
    clock.advance(Duration.ofHours(3));
    fn.accept(Events.finalized(manifest(), T0));
    assertTrue(publisher.messages().isEmpty());
    assertTrue(Files.exists(output.resolve("_SPLIT_MANIFEST.json")));
  }
}
