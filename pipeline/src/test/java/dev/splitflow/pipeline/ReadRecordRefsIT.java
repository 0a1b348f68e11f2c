package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.RecordCodec;
import java.io.IOException;
import java.nio.channels.FileChannel;
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
    ChunkPlan plan = ChunkPlan.read(run.indicesPath(), 8);
    List<String> records = new ArrayList<>();
    for (BatchSpec b : specs) {
      try (PtFile f = PtFile.open(Path.of(b.path()))) {
        for (PtValue r : f.records()) {
          records.add(PtJson.toJson(r, true));
        }
      }
    }

    Pipeline p = Pipeline.create(SplitPipelineIT.options(batches, out, 2));
    PCollection<KV<String, RecordRefs>> emitted =
        p.apply(Create.of(specs).withCoder(ElementCoders.BatchSpecCoder.of()))
            .apply(new ReadRecordRefs(run.indicesPath(), 8, 7));
    emitted.apply(ParDo.of(new Collect()));
    COLLECTED.clear();
    p.run().waitUntilFinish();

    List<Long> seen = new ArrayList<>();
    for (KV<String, RecordRefs> kv : COLLECTED) {
      RecordRefs refs = kv.getValue();
      assertTrue(refs.size() <= 7, "a list of " + refs.size());
      BatchSpec batch = specs.stream().filter(b -> b.path().equals(refs.batch())).findFirst().get();
      try (FileChannel ch = FileChannel.open(Path.of(refs.batch()))) {
        RecordCodec.Decoder decoder = new RecordCodec.Decoder(ch, refs.batch());
        for (int i = 0; i < refs.size(); i++) {
          long global = refs.globalIndex(i);
          assertEquals(plan.slot(global).group(), kv.getKey());
          // The record itself, as the batch file holds it.
          assertEquals(
              records.get((int) global),
              PtJson.toJson(refs.decode(i, decoder), true),
              "record " + global + " of " + batch.path());
          seen.add(global);
        }
      }
    }
    seen.sort(null);
    assertEquals(LongStream.range(0, 120).boxed().toList(), seen);
  }

  /** What the pipeline emitted; the DirectRunner runs in this JVM. */
  private static final Queue<KV<String, RecordRefs>> COLLECTED = new ConcurrentLinkedQueue<>();

  private static final class Collect extends DoFn<KV<String, RecordRefs>, Void> {
    @ProcessElement
    public void process(@Element KV<String, RecordRefs> kv) {
      COLLECTED.add(kv);
    }
  }
}
