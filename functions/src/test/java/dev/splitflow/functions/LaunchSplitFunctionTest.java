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
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.split.IndicesFile;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code LaunchSplitFunction} launching: one job per marker with the template parameters and the
 * indices, the output folder's claim, exactly one launch request under concurrent and crashed
 * deliveries, and Dataflow's retryable and permanent answers.
 */
class LaunchSplitFunctionTest extends LaunchSplitFunctionFixture {
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
}
