package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.dataflow.model.Job;
import dev.splitflow.demo.SyntheticBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.dataflow.util.DataflowTemplateJob;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split pipeline translates for the DataflowRunner, offline: the real DataflowRunner with
 * {@code --templateLocation} writes the complete Dataflow job (steps and pipeline options) to a
 * local file instead of submitting it. No credentials (NoopCredentialFactory), no bucket checks
 * (NoopPathValidator), local staging; nothing is mocked.
 */
class DataflowTranslationTest {

  @Test
  void batchFilesAreSpreadOverWorkersExceptOnTheDirectRunner() {
    PipelineOptions o = PipelineOptionsFactory.create();
    o.setRunner(DataflowRunner.class);
    assertTrue(SplitPipeline.spreadsBatches(o));
    o.setRunner(DirectRunner.class);
    assertFalse(SplitPipeline.spreadsBatches(o));
  }

  @Test
  void theSplitPipelineBecomesADataflowJob(@TempDir Path tmp) throws Exception {
    Path batches = tmp.resolve("batches");
    SyntheticBatch.writeDataset(batches, 3, 20, 256, 1);

    DataflowPipelineOptions o = PipelineOptionsFactory.as(DataflowPipelineOptions.class);
    o.setRunner(DataflowRunner.class);
    o.setProject("test-project");
    o.setRegion("europe-west1");
    o.setJobName("splitflow-translation-test");
    o.setCredentialFactoryClass(NoopCredentialFactory.class);
    o.setPathValidatorClass(NoopPathValidator.class);
    o.setTempLocation("gs://test-bucket/tmp");
    o.setGcpTempLocation("gs://test-bucket/tmp");
    o.setStagingLocation(tmp.resolve("staging").toString());
    o.setFilesToStage(Collections.emptyList());
    Path jobFile = tmp.resolve("job.json");
    o.setTemplateLocation(jobFile.toString());
    SplitOptions split = o.as(SplitOptions.class);
    split.setInput(batches + "/");
    split.setOutput(tmp.resolve("out") + "/");
    split.setGroupBy("subject_id");
    split.setSeed(7L);

    SplitPipeline.SplitRun run = SplitPipeline.run(split);
    assertInstanceOf(DataflowTemplateJob.class, run.result());

    Job job =
        GsonFactory.getDefaultInstance()
            .fromString(Files.readString(jobFile, StandardCharsets.UTF_8), Job.class);
    assertEquals("JOB_TYPE_BATCH", job.getType());
    List<String> steps =
        job.getSteps().stream()
            .map(s -> s.getProperties().get("user_name"))
            .map(v -> String.valueOf(v instanceof Map<?, ?> m ? m.get("value") : v))
            .toList();
    for (String stage :
        List.of(
            "ListBatches",
            "SpreadBatches",
            "ReadRecordRefs",
            "GroupByChunkGroup",
            "WriteChunks",
            "WriteManifest")) {
      assertTrue(steps.stream().anyMatch(n -> n.startsWith(stage)), stage + " not in " + steps);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> options =
        (Map<String, Object>) job.getEnvironment().getSdkPipelineOptions().get("options");
    assertEquals(batches + "/", options.get("input"));
    assertEquals("subject_id", options.get("groupBy"));
    assertEquals(7, ((Number) options.get("seed")).intValue());
    // The driver computed the indices the workers will read.
    assertTrue(Files.exists(tmp.resolve("out").resolve("stratification_indices.json")));
  }
}
