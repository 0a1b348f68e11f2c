package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IndicesTest {

  @BeforeAll
  static void registerFileSystems() {
    // As SplitPipeline.run does: registers gs:// beside local files.
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  private static Indices.Found batch(String path) {
    return new Indices.Found(path, path.substring(path.lastIndexOf('/') + 1), 1);
  }

  @Test
  void localBatchesAreScannedOneThreadPerCore() {
    List<Indices.Found> local = List.of(batch("/data/batch_1.pt"), batch("/data/batch_2.pt"));
    assertEquals(2, Indices.scanThreads(local, 2));
    assertEquals(1, Indices.scanThreads(local, 0));
  }

  @Test
  void remoteBatchesAreScannedWithMoreThreadsThanCores() {
    List<Indices.Found> remote =
        List.of(batch("gs://bucket/data/batch_1.pt"), batch("/data/batch_2.pt"));
    assertEquals(Indices.REMOTE_SCAN_THREADS, Indices.scanThreads(remote, 2));
  }
}
