package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.testing.Events;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code LaunchSplitFunction} refusing and failing: bad markers, markers outside the watched
 * prefix, folders without or with corrupt batch files, objects that are not markers, old events,
 * and what happens when the summary, the run state or something unexpected fails.
 */
class LaunchSplitFunctionFailuresTest extends LaunchSplitFunctionFixture {
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
}
