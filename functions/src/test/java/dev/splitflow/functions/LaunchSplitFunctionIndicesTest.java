package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.split.IndicesFile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code LaunchSplitFunction}'s indices step and dataset versions (issue 17): matching indices
 * reused and stale ones recomputed, large folders left to the pipeline, previous indices and the id
 * field checked and passed to the job.
 */
class LaunchSplitFunctionIndicesTest extends LaunchSplitFunctionFixture {
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
