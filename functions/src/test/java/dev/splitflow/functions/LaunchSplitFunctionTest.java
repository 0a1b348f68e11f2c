package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.functions.testing.FakeDataflowServer;
import dev.splitflow.functions.testing.MutableClock;
import dev.splitflow.functions.testing.RecordingPublisher;
import dev.splitflow.functions.testing.TestGcs;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.split.IndicesFile;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaunchSplitFunctionTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final String BUCKET = "data";
  static final String FOLDER = "datasets/cxr/";
  static final String MARKER = FOLDER + "_BATCHES_COMPLETE";

  @TempDir Path tmp;
  private final TestGcs gcs = TestGcs.start();
  private final Storage storage = gcs.storage();
  private final MutableClock clock = new MutableClock(T0);
  private final RecordingPublisher publisher = new RecordingPublisher();
  private FakeDataflowServer dataflow;

  @BeforeEach
  void start() throws IOException {
    dataflow = FakeDataflowServer.start();
  }

  @AfterEach
  void stop() {
    dataflow.close();
  }

  private Map<String, String> env() {
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

  private LaunchSplitFunction function(Map<String, String> env, SplitLauncher launcher) {
    LaunchConfig config = LaunchConfig.fromEnv(env);
    return new LaunchSplitFunction(
        config, storage, launcher, publisher, clock, Duration.ofSeconds(10));
  }

  private LaunchSplitFunction function() throws IOException {
    LaunchConfig config = LaunchConfig.fromEnv(env());
    return function(env(), DataflowLauncher.create(config.dataflow(), null));
  }

  private void batches(String folder, int n, int records) throws IOException {
    for (int i = 1; i <= n; i++) {
      Path f = tmp.resolve("b" + i + ".pt");
      SyntheticBatch.write(f, (long) (i - 1) * records, records, 64, i);
      storage.create(
          BlobInfo.newBuilder(BUCKET, folder + "batch_" + i + ".pt").build(),
          Files.readAllBytes(f));
    }
  }

  private Blob marker(String name, String content) {
    return storage.create(
        BlobInfo.newBuilder(BUCKET, name).build(), content.getBytes(StandardCharsets.UTF_8));
  }

  private RunState state(Blob marker) throws IOException {
    String runId = RunIds.runId(BUCKET, marker.getName(), marker.getGeneration());
    return new RunStore(storage, BUCKET, "_splitflow/runs/").get(runId).orElseThrow().state();
  }

  private JsonNode onlySummary() {
    assertEquals(1, publisher.messages().size(), "summaries: " + publisher.messages());
    return publisher.messages().get(0).body();
  }

  static final String CLAIM = FOLDER + "split/" + ChunkNames.CLAIM;

  /** What the launched job does when it succeeds: releases the output folder's claim. */
  private void jobReleasesTheClaim() {
    assertTrue(storage.delete(BlobId.of(BUCKET, CLAIM)), "the launch left the claim to the job");
  }

  @Test
  void aMarkerLaunchesOneJobWithTheTemplateParametersAndComputesTheIndices() throws Exception {
    batches(FOLDER, 3, 20);
    Blob m = marker(MARKER, "");
    function().accept(Events.finalized(m, T0));

    assertEquals(1, dataflow.launches().size());
    JsonNode p = dataflow.launches().get(0).body().path("launchParameter");
    String runId = RunIds.runId(BUCKET, MARKER, m.getGeneration());
    assertEquals(RunIds.jobName(FOLDER, runId), p.path("jobName").asText());
    assertEquals("gs://tpl/splitflow.json", p.path("containerSpecGcsPath").asText());
    JsonNode params = p.path("parameters");
    assertEquals("gs://data/datasets/cxr/", params.path("input").asText());
    assertEquals("gs://data/datasets/cxr/split/", params.path("output").asText());
    assertEquals(runId, params.path("runId").asText());
    assertEquals("42", params.path("seed").asText());
    assertEquals("50", params.path("chunkSize").asText());
    assertEquals("view_position,has:clinical_features", params.path("strataFields").asText());
    assertTrue(params.path("recomputeIndices").isMissingNode());
    assertEquals(
        runId, p.path("environment").path("additionalUserLabels").path("splitflow_run").asText());

    Blob indices = storage.get(BlobId.of(BUCKET, FOLDER + "split/" + IndicesFile.FILE_NAME));
    assertNotNull(indices, "indices written beside the outputs");
    IndicesFile f =
        IndicesFile.parse(new String(indices.getContent(), StandardCharsets.UTF_8), "indices");
    assertEquals(60, f.totals().sum());
    assertTrue(f.sources().stream().allMatch(s -> s.generation() != null));

    RunState s = state(m);
    assertEquals(RunState.Status.LAUNCHED, s.status());
    assertNotNull(s.jobId());
    assertTrue(s.indices().startsWith("computed"), s.indices());
    assertTrue(publisher.messages().isEmpty(), "no summary until the job ends");

    // The folder was claimed before the indices were written, for this run: its job continues it.
    Blob claim = storage.get(BlobId.of(BUCKET, CLAIM));
    assertNotNull(claim, "the output folder's claim, handed to the job");
    assertTrue(
        claim.getCreateTimeOffsetDateTime().compareTo(indices.getCreateTimeOffsetDateTime()) <= 0,
        "claimed before the indices were written");
    JsonNode held = new ObjectMapper().readTree(claim.getContent());
    assertEquals(runId, held.path("run_id").asText());
    assertTrue(held.path("holder").asText().contains(s.jobName()), held.toString());
  }

  @Test
  void aFolderAnotherRunHoldsStopsTheRunBeforeTheIndicesAndLaunchesNothing() throws Exception {
    batches(FOLDER, 2, 10);
    String cli =
        "{\"holder\": \"splitflow split (job splitflow-by-hand)\", \"host\": \"ws-7\","
            + " \"pid\": 4242, \"user\": \"ana\", \"started\": \"2026-11-26T07:59:00Z\","
            + " \"token\": \"t\"}";
    Blob held =
        storage.create(
            BlobInfo.newBuilder(BUCKET, CLAIM).build(), cli.getBytes(StandardCharsets.UTF_8));
    Blob m = marker(MARKER, "");
    function().accept(Events.finalized(m, T0));

    assertEquals(0, dataflow.launches().size());
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertEquals("indices", s.path("stage").asText());
    String reason = s.path("reason").asText();
    assertTrue(
        reason.contains(
            "is claimed by another run: splitflow split (job splitflow-by-hand) (process 4242 on host ws-7, user ana"),
        reason);
    assertTrue(reason.contains("Nothing was changed"), reason);
    assertTrue(reason.contains("delete gs://data/" + CLAIM + " and run again"), reason);
    assertNull(
        storage.get(BlobId.of(BUCKET, FOLDER + "split/" + IndicesFile.FILE_NAME)),
        "no indices written");
    Blob after = storage.get(BlobId.of(BUCKET, CLAIM));
    assertEquals(
        held.getGeneration(), after.getGeneration(), "the other run's claim is left alone");
    assertEquals(
        1,
        storage.list(BUCKET, Storage.BlobListOption.prefix(FOLDER + "split/")).streamAll().count());
  }

  @Test
  void aFailedJobReleasesTheClaimOfItsRunSoTheNextMarkerRunsAndLeavesOtherRunsClaims()
      throws Exception {
    batches(FOLDER, 2, 10);
    LaunchSplitFunction fn = function();
    Blob first = marker(MARKER, "");
    fn.accept(Events.finalized(first, T0));
    RunState s = state(first);
    VerifySplitFunction verify =
        new VerifySplitFunction(VerifyConfig.fromEnv(env()), storage, publisher, clock);
    verify.accept(Events.jobStatus(s.jobId(), s.jobName(), "JOB_STATE_FAILED", s.runId(), T0));
    assertEquals("FAILED", onlySummary().path("status").asText());
    assertNull(storage.get(BlobId.of(BUCKET, CLAIM)), "the failed job's claim is released");

    Blob second = marker(MARKER, "");
    fn.accept(Events.finalized(second, T0));
    assertEquals(2, dataflow.launches().size(), "the next marker runs at once");
    Blob held = storage.get(BlobId.of(BUCKET, CLAIM));
    // The first run's status delivered again leaves the second run's claim alone.
    verify.accept(Events.jobStatus(s.jobId(), s.jobName(), "JOB_STATE_FAILED", s.runId(), T0));
    assertEquals(held.getGeneration(), storage.get(BlobId.of(BUCKET, CLAIM)).getGeneration());
  }

  @Test
  void aMarkerWrittenAgainWhileTheFirstJobRunsIsRefusedAndTheFolderStaysTheFirstRuns()
      throws Exception {
    batches(FOLDER, 3, 20);
    LaunchSplitFunction fn = function();
    Blob first = marker(MARKER, "{\"seed\": 1}");
    fn.accept(Events.finalized(first, T0));
    Blob indices = storage.get(BlobId.of(BUCKET, FOLDER + "split/" + IndicesFile.FILE_NAME));
    Blob second = marker(MARKER, "{\"seed\": 2}");
    fn.accept(Events.finalized(second, T0));

    assertEquals(1, dataflow.launches().size(), "the first run's job only");
    JsonNode refused = onlySummary();
    assertEquals("FAILED", refused.path("status").asText());
    assertEquals(state(second).runId(), refused.path("run_id").asText());
    String reason = refused.path("reason").asText();
    assertTrue(
        reason.contains("claimed by another run: splitflow launch for run " + state(first).runId()),
        reason);
    Blob after = storage.get(BlobId.of(BUCKET, FOLDER + "split/" + IndicesFile.FILE_NAME));
    assertEquals(indices.getGeneration(), after.getGeneration(), "the first run's indices");
    IndicesFile f =
        IndicesFile.parse(new String(after.getContent(), StandardCharsets.UTF_8), "indices");
    assertEquals(1, f.config().seed());

    // Once the first job has released the folder, a new marker runs.
    jobReleasesTheClaim();
    Blob third = marker(MARKER, "{\"seed\": 2}");
    fn.accept(Events.finalized(third, T0));
    assertEquals(2, dataflow.launches().size());
    assertEquals(RunState.Status.LAUNCHED, state(third).status());
  }

  @Test
  void aBucketNotificationMessageWorksTheSame() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "{\"seed\": 7, \"chunkSize\": 5}");
    function().accept(Events.notification(m, T0));
    assertEquals(1, dataflow.launches().size());
    JsonNode params = dataflow.launches().get(0).body().path("launchParameter").path("parameters");
    assertEquals("7", params.path("seed").asText());
    assertEquals("5", params.path("chunkSize").asText());
  }

  @Test
  void twentyConcurrentDeliveriesMakeExactlyOneLaunchRequest() throws Exception {
    batches(FOLDER, 3, 20);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchSplitFunction fn = function();
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      done.add(
          pool.submit(
              () -> {
                go.await();
                fn.accept(event);
                return null;
              }));
    }
    go.countDown();
    // A duplicate waits (real time, up to the function's duplicate wait) for the winner to
    // launch, and asks for a retry when the winner is slower than that: both are right answers,
    // so how fast this machine is decides nothing here. What counts is the launch requests.
    int retryLater = 0;
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof LaunchSplitFunction.RetryLater)) {
          throw e;
        }
        retryLater++;
      }
    }
    pool.shutdown();
    assertTrue(retryLater < 20, "one delivery launched");
    assertEquals(1, dataflow.launches().size());
    assertEquals(RunState.Status.LAUNCHED, state(m).status());
    // The platform's retries of the deliveries told to retry find the run launched.
    for (int i = 0; i < retryLater; i++) {
      fn.accept(event);
    }
    assertEquals(1, dataflow.launches().size());
    assertTrue(publisher.messages().isEmpty());
  }

  /** A launcher that dies (as a crashed instance would) before the real one is called. */
  private static SplitLauncher crashingOnce(SplitLauncher real, AtomicInteger calls) {
    return r -> {
      if (calls.getAndIncrement() == 0) {
        throw new Error("simulated crash of the function instance");
      }
      return real.launch(r);
    };
  }

  @Test
  void aCrashBetweenClaimAndLaunchThenRedeliveryStillLaunchesExactlyOnce() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchConfig config = LaunchConfig.fromEnv(env());
    AtomicInteger calls = new AtomicInteger();
    LaunchSplitFunction fn =
        function(env(), crashingOnce(DataflowLauncher.create(config.dataflow(), null), calls));
    assertThrows(Error.class, () -> fn.accept(event));
    assertEquals(RunState.Status.CLAIMED, state(m).status());
    assertEquals(0, dataflow.launches().size());

    // A redelivery while the crashed delivery's lease still runs asks to be retried later...
    LaunchSplitFunction quick =
        new LaunchSplitFunction(
            config,
            storage,
            crashingOnce(null, new AtomicInteger(1)),
            publisher,
            clock,
            Duration.ZERO);
    IOException retry = assertThrows(IOException.class, () -> quick.accept(event));
    assertTrue(
        retry.getMessage().contains("being launched by another delivery"), retry.getMessage());
    assertEquals(0, dataflow.launches().size());

    // ...and the one after the lease takes over and launches once.
    clock.advance(LaunchSplitFunction.CLAIM_LEASE.plusSeconds(1));
    fn.accept(event);
    assertEquals(1, dataflow.launches().size());
    assertEquals(RunState.Status.LAUNCHED, state(m).status());
    fn.accept(event);
    assertEquals(1, dataflow.launches().size());
  }

  @Test
  void aCrashAfterTheLaunchRequestFindsTheActiveJobInsteadOfStartingASecond() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchConfig config = LaunchConfig.fromEnv(env());
    DataflowLauncher real = DataflowLauncher.create(config.dataflow(), null);
    AtomicInteger calls = new AtomicInteger();
    SplitLauncher launchThenCrash =
        r -> {
          var job = real.launch(r);
          if (calls.getAndIncrement() == 0) {
            throw new Error("simulated crash after the launch request");
          }
          return job;
        };
    LaunchSplitFunction fn = function(env(), launchThenCrash);
    assertThrows(Error.class, () -> fn.accept(event));
    clock.advance(LaunchSplitFunction.CLAIM_LEASE.plusSeconds(1));
    fn.accept(event);
    assertEquals(1, dataflow.jobs().size(), "one job, found by name after HTTP 409");
    assertEquals(dataflow.jobs().get(0).path("id").asText(), state(m).jobId());
  }

  @Test
  void aRetryableDataflowAnswerThrowsAndTheRedeliveryLaunches() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchSplitFunction fn = function();
    dataflow.enqueueError(503);
    // A retryable launch failure goes back to the platform as one line (no trace).
    IOException e = assertThrows(LaunchSplitFunction.RetryLater.class, () -> fn.accept(event));
    assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains("(retryable)"));
    assertEquals(0, e.getStackTrace().length);
    RunState s = state(m);
    assertEquals(RunState.Status.CLAIMED, s.status());
    assertFalse(s.lease().isAfter(clock.instant()), "lease released for the redelivery");
    assertTrue(s.reason().contains("503"), s.reason());
    assertTrue(publisher.messages().isEmpty());

    fn.accept(event);
    assertEquals(RunState.Status.LAUNCHED, state(m).status());
    assertEquals(1, dataflow.jobs().size());
    assertTrue(publisher.messages().isEmpty());
  }

  @Test
  void aPermanentDataflowAnswerEndsInOneFailedSummaryAndNoRetry() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchSplitFunction fn = function();
    dataflow.enqueueError(403);
    fn.accept(event);
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertEquals("launch", s.path("stage").asText());
    assertTrue(s.path("reason").asText().contains("403"), s.path("reason").asText());
    assertEquals("FAILED", publisher.messages().get(0).attributes().get("status"));
    fn.accept(event);
    fn.accept(Events.notification(m, T0));
    assertEquals(1, publisher.messages().size());
    assertEquals(1, dataflow.launches().size());
    assertNull(storage.get(BlobId.of(BUCKET, CLAIM)), "no job: the folder's claim is released");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"seed\": |not valid JSON",
        "[1, 2]|expected a JSON object",
        "{\"train_ratio\": 0.8}|did you mean 'trainRatio'",
        "{\"trainRatio\": 0.8, \"valRatio\": 0.1, \"testRatio\": 0.2}|sum",
        "{\"chunkSize\": 0}|chunkSize: expected an integer between 1 and 1000000, found number 0",
        "{\"expectedBatchCount\": 5}|the marker expects 5 batch files",
        "{\"strataFields\": [\"view_position\", \"view_position\"]}|listed twice",
        "{\"previousIndices\": \"/etc/x.json\"}|previousIndices: expected a gs:// URI or a path",
      })
  void aBadMarkerEndsInOneFailedSummaryAndNoJob(String content, String expected) throws Exception {
    batches(FOLDER, 3, 10);
    Blob m = marker(MARKER, content);
    function().accept(Events.finalized(m, T0));
    assertEquals(0, dataflow.launches().size());
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertEquals("marker", s.path("stage").asText());
    assertTrue(s.path("reason").asText().contains(expected), s.path("reason").asText());
    assertTrue(s.path("reason").asText().contains(MARKER), s.path("reason").asText());
    assertEquals(RunState.Status.FAILED, state(m).status());
  }

  @Test
  void aMarkerOutsideTheWatchedPrefixIsRejected() throws Exception {
    batches("elsewhere/", 2, 10);
    Blob m = marker("elsewhere/_BATCHES_COMPLETE", "");
    function().accept(Events.finalized(m, T0));
    assertEquals(0, dataflow.launches().size());
    assertTrue(onlySummary().path("reason").asText().contains("outside the watched prefix"));
  }

  @Test
  void aFolderWithoutBatchFilesIsRejected() throws Exception {
    Blob m = marker(MARKER, "");
    function().accept(Events.finalized(m, T0));
    assertEquals(0, dataflow.launches().size());
    assertTrue(onlySummary().path("reason").asText().contains("no batch files"));
  }

  @Test
  void aCorruptBatchFileFailsTheRunNamingIt() throws Exception {
    batches(FOLDER, 3, 10);
    storage.create(BlobInfo.newBuilder(BUCKET, FOLDER + "batch_2.pt").build(), new byte[100]);
    Blob m = marker(MARKER, "");
    function().accept(Events.finalized(m, T0));
    assertEquals(0, dataflow.launches().size());
    JsonNode s = onlySummary();
    assertEquals("indices", s.path("stage").asText());
    assertTrue(s.path("reason").asText().contains("batch_2.pt"), s.path("reason").asText());
  }

  @Test
  void objectsThatAreNotMarkersAreIgnoredWithoutAnyWork() throws Exception {
    batches(FOLDER, 1, 10);
    Blob batch = storage.get(BlobId.of(BUCKET, FOLDER + "batch_1.pt"));
    Blob lookalike = marker(FOLDER + "x_BATCHES_COMPLETE", "");
    LaunchSplitFunction fn = function();
    fn.accept(Events.finalized(batch, T0));
    fn.accept(Events.notification(lookalike, T0));
    assertEquals(0, dataflow.requests().size());
    assertTrue(publisher.messages().isEmpty());
    assertFalse(
        storage
            .list(BUCKET, Storage.BlobListOption.prefix("_splitflow/"))
            .iterateAll()
            .iterator()
            .hasNext(),
        "no run state for ignored objects");
  }

  @Test
  void anOldEventIsDroppedAndAStuckRunItLeftEndsFailed() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchSplitFunction fn = function();
    dataflow.enqueueError(500);
    assertThrows(LaunchSplitFunction.RetryLater.class, () -> fn.accept(event));
    clock.advance(Duration.ofHours(2));
    fn.accept(event);
    assertEquals(1, dataflow.launches().size(), "no launch attempt for an event past its age");
    JsonNode s = onlySummary();
    assertTrue(s.path("reason").asText().contains("gave up"), s.path("reason").asText());
    assertTrue(s.path("reason").asText().contains("500"), s.path("reason").asText());
    fn.accept(event);
    assertEquals(1, publisher.messages().size());
  }

  @Test
  void matchingIndicesAreReusedAndStaleOnesRecomputed() throws Exception {
    batches(FOLDER, 2, 10);
    LaunchSplitFunction fn = function();
    Blob first = marker(MARKER, "");
    fn.accept(Events.finalized(first, T0));
    jobReleasesTheClaim();
    Blob second = marker(MARKER, "");
    fn.accept(Events.finalized(second, T0));
    assertTrue(state(second).indices().startsWith("reused"), state(second).indices());
    jobReleasesTheClaim();

    batches(FOLDER, 3, 10);
    Blob third = marker(MARKER, "");
    fn.accept(Events.finalized(third, T0));
    assertTrue(state(third).indices().startsWith("computed"), state(third).indices());
    assertTrue(state(third).indices().contains("batch_3.pt: new file"), state(third).indices());
    assertEquals(3, dataflow.launches().size(), "one job per marker generation");
  }

  @Test
  void beyondTheConfiguredSizeTheIndicesAreLeftToThePipeline() throws Exception {
    batches(FOLDER, 3, 10);
    Map<String, String> env = env();
    env.put(LaunchConfig.INDICES_MAX_BATCH_FILES, "2");
    LaunchConfig config = LaunchConfig.fromEnv(env);
    LaunchSplitFunction fn = function(env, DataflowLauncher.create(config.dataflow(), null));
    Blob m = marker(MARKER, "");
    fn.accept(Events.finalized(m, T0));
    assertTrue(state(m).indices().startsWith("left to the pipeline"), state(m).indices());
    assertNull(storage.get(BlobId.of(BUCKET, FOLDER + "split/" + IndicesFile.FILE_NAME)));
    assertEquals(1, dataflow.launches().size());
  }

  @Test
  void aSummaryThatCouldNotBePublishedIsPublishedByTheRedelivery() throws Exception {
    Blob m = marker(MARKER, "{\"seed\": \"x\"}");
    CloudEvent event = Events.finalized(m, T0);
    LaunchSplitFunction fn = function();
    publisher.failNext(1);
    assertThrows(IOException.class, () -> fn.accept(event));
    assertTrue(publisher.messages().isEmpty());
    fn.accept(event);
    assertEquals("FAILED", onlySummary().path("status").asText());
    fn.accept(event);
    assertEquals(1, publisher.messages().size());
  }

  @Test
  void aRunStateThatCannotBeWrittenIsReportedAtOnceInsteadOfRetried() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    gcs.denyWrites("_splitflow/");
    function().accept(Events.finalized(m, T0));
    assertEquals(0, dataflow.launches().size());
    JsonNode s = onlySummary();
    assertEquals("FAILED", s.path("status").asText());
    assertTrue(s.path("reason").asText().contains("403"), s.path("reason").asText());
    assertTrue(
        s.path("reason").asText().contains("needs write access to gs://data/_splitflow/runs/"),
        s.path("reason").asText());
  }

  @Test
  void anUnexpectedErrorReleasesTheClaimForTheRedelivery() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "");
    CloudEvent event = Events.finalized(m, T0);
    LaunchConfig config = LaunchConfig.fromEnv(env());
    DataflowLauncher real = DataflowLauncher.create(config.dataflow(), null);
    AtomicInteger calls = new AtomicInteger();
    SplitLauncher buggy =
        r -> {
          if (calls.getAndIncrement() == 0) {
            throw new IllegalStateException("a bug");
          }
          return real.launch(r);
        };
    LaunchSplitFunction fn = function(env(), buggy);
    assertThrows(IllegalStateException.class, () -> fn.accept(event));
    RunState s = state(m);
    assertEquals(RunState.Status.CLAIMED, s.status());
    assertEquals("a bug", s.reason());
    fn.accept(event);
    assertEquals(RunState.Status.LAUNCHED, state(m).status());
  }

  // ------------------------------------------------------------ dataset versions (issue 17)

  private JsonNode versionedRun(String content) throws Exception {
    batches(FOLDER, 2, 10);
    LaunchSplitFunction fn = function();
    fn.accept(Events.finalized(marker(MARKER, ""), T0));
    jobReleasesTheClaim();
    batches(FOLDER, 3, 10);
    Blob m = marker(MARKER, content);
    fn.accept(Events.finalized(m, T0));
    return dataflow.launches().size() == 2
        ? dataflow.launches().get(1).body().path("launchParameter").path("parameters")
        : null;
  }

  @Test
  void previousIndicesRelativeToTheDatasetFolderAreCheckedAndPassedToTheJob() throws Exception {
    JsonNode params = versionedRun("{\"previousIndices\": \"split/stratification_indices.json\"}");
    assertNotNull(params, "launched");
    assertEquals(
        "gs://data/datasets/cxr/split/stratification_indices.json",
        params.path("previousIndices").asText());
    assertEquals("true", params.path("recomputeIndices").asText());
    assertTrue(params.path("idField").isMissingNode());
  }

  @Test
  void anIdFieldIsPassedToTheJob() throws Exception {
    batches(FOLDER, 2, 10);
    Blob m = marker(MARKER, "{\"idField\": \"study_id\"}");
    function().accept(Events.finalized(m, T0));
    JsonNode params = dataflow.launches().get(0).body().path("launchParameter").path("parameters");
    assertEquals("study_id", params.path("idField").asText());
    assertTrue(state(m).indices().startsWith("left to the pipeline"), state(m).indices());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"previousIndices\": \"v0/stratification_indices.json\"}|gs://data/datasets/cxr/v0/stratification_indices.json does not exist",
        "{\"previousIndices\": \"../../../x.json\"}|resolves outside the bucket",
        "{\"previousIndices\": \"split/stratification_indices.json\", \"trainRatio\": 0.8, \"valRatio\": 0.1, \"testRatio\": 0.1}|ratios: previous indices have 0.7,0.15,0.15, run asks for 0.8,0.1,0.1",
        "{\"previousIndices\": \"split/stratification_indices.json\", \"idField\": \"study_id\"}|id field: previous indices have none",
      })
  void aBadPreviousVersionEndsInOneFailedSummaryAndNoJob(String content, String expected)
      throws Exception {
    assertNull(versionedRun(content));
    JsonNode s = publisher.messages().get(publisher.messages().size() - 1).body();
    assertEquals("FAILED", s.path("status").asText());
    assertTrue(s.path("reason").asText().contains(expected), s.path("reason").asText());
  }
}
