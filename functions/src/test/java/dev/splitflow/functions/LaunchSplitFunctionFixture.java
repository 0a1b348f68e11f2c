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
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.testing.FakeDataflowServer;
import dev.splitflow.functions.testing.MutableClock;
import dev.splitflow.functions.testing.RecordingPublisher;
import dev.splitflow.functions.testing.TestGcs;
import dev.splitflow.output.ChunkNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the {@code LaunchSplitFunction} tests share: the function on a local Cloud Storage service,
 * a Dataflow REST stand-in, a clock the test moves and a publisher that records summaries, and
 * helpers that write batch files and markers and read the run's state.
 */
abstract class LaunchSplitFunctionFixture {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final String BUCKET = "data";
  static final String FOLDER = "datasets/cxr/";
  static final String MARKER = FOLDER + "_BATCHES_COMPLETE";
  static final String CLAIM = FOLDER + "split/" + ChunkNames.CLAIM;
  @TempDir Path tmp;
  final TestGcs gcs = TestGcs.start();
  final Storage storage = gcs.storage();
  final MutableClock clock = new MutableClock(T0);
  final RecordingPublisher publisher = new RecordingPublisher();
  FakeDataflowServer dataflow;

  @BeforeEach
  void start() throws IOException {
    dataflow = FakeDataflowServer.start();
  }

  @AfterEach
  void stop() {
    dataflow.close();
  }

  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "p");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, BUCKET);
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/p/topics/summaries");
    env.put(LaunchConfig.TEMPLATE_SPEC, "gs://tpl/splitflow.json");
    env.put(LaunchConfig.TEMP_LOCATION, "gs://tpl/temp");
    env.put(LaunchConfig.STAGING_LOCATION, "gs://tpl/staging");
    env.put(LaunchConfig.WORKER_SERVICE_ACCOUNT, "workers@p.iam.gserviceaccount.com");
    env.put(LaunchConfig.DATAFLOW_ENDPOINT, dataflow.rootUrl());
    return env;
  }

  LaunchSplitFunction function(Map<String, String> env, SplitLauncher launcher) {
    LaunchConfig config = LaunchConfig.fromEnv(env);
    return new LaunchSplitFunction(
        config, storage, launcher, publisher, clock, Duration.ofSeconds(10));
  }

  LaunchSplitFunction function() throws IOException {
    LaunchConfig config = LaunchConfig.fromEnv(env());
    return function(env(), DataflowLauncher.create(config.dataflow(), null));
  }

  void batches(String folder, int n, int records) throws IOException {
    for (int i = 1; i <= n; i++) {
      Path f = tmp.resolve("b" + i + ".pt");
      SyntheticBatch.write(f, (long) (i - 1) * records, records, 64, i);
      storage.create(
          BlobInfo.newBuilder(BUCKET, folder + "batch_" + i + ".pt").build(),
          Files.readAllBytes(f));
    }
  }

  Blob marker(String name, String content) {
    return storage.create(
        BlobInfo.newBuilder(BUCKET, name).build(), content.getBytes(StandardCharsets.UTF_8));
  }

  RunState state(Blob marker) throws IOException {
    String runId = RunIds.runId(BUCKET, marker.getName(), marker.getGeneration());
    return new RunStore(storage, BUCKET, "_splitflow/runs/").get(runId).orElseThrow().state();
  }

  JsonNode onlySummary() {
    assertEquals(1, publisher.messages().size(), "summaries: " + publisher.messages());
    return publisher.messages().get(0).body();
  }

  /** What the launched job does when it succeeds: releases the output folder's claim. */
  void jobReleasesTheClaim() {
    assertTrue(storage.delete(BlobId.of(BUCKET, CLAIM)), "the launch left the claim to the job");
  }
}
