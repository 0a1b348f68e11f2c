package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadRecordRefsIT {
  @TempDir Path tmp;

  @Test
  void everyRecordIsEmittedOnceUnderItsChunkGroupInListsOfAtMostTheBufferSize() throws IOException {
    Path batches = tmp.resolve("batches");
    SyntheticBatch.writeDataset(batches, 3, 40, 256, 4);
    Path out = tmp.resolve("out");
    SplitPipeline.SplitRun run =
        SplitPipelineIT.split(SplitPipelineIT.options(batches, out, 2, "--computeIndicesOnly"));
    List<BatchSpec> specs =
        SplitPipeline.specs(run.indices(), SplitPipeline.listBatches(batches + "/"));
    ChunkPlan plan = ChunkPlan.read(run.indicesPath());

    Pipeline p = Pipeline.create(SplitPipelineIT.options(batches, out, 2));
    PCollection<KV<String, List<RecordRef>>> refs =
        p.apply(Create.of(specs).withCoder(ElementCoders.BatchSpecCoder.of()))
            .apply(new ReadRecordRefs(run.indicesPath(), 7));
    refs.apply(ParDo.of(new Collect()));
    COLLECTED.clear();
    p.run().waitUntilFinish();

    List<Long> seen = new ArrayList<>();
    for (KV<String, List<RecordRef>> kv : COLLECTED) {
      assertTrue(kv.getValue().size() <= 7, "a list of " + kv.getValue().size());
      for (RecordRef r : kv.getValue()) {
        ChunkPlan.Slot slot = plan.slot(r.globalIndex());
        assertEquals(slot.group(), kv.getKey());
        assertEquals(slot.chunkName(), r.chunk());
        assertEquals(slot.position(), r.position());
        seen.add(r.globalIndex());
      }
    }
    seen.sort(null);
    assertEquals(LongStream.range(0, 120).boxed().toList(), seen);
  }

  /** What the pipeline emitted; the DirectRunner runs in this JVM. */
  private static final Queue<KV<String, List<RecordRef>>> COLLECTED = new ConcurrentLinkedQueue<>();

  private static final class Collect extends DoFn<KV<String, List<RecordRef>>, Void> {
    @ProcessElement
    public void process(@Element KV<String, List<RecordRef>> kv) {
      COLLECTED.add(kv);
    }
  }
}
