package dev.splitflow.pipeline;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.RecordCodec;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Opens each batch file (its directory and {@code data.pkl} only) and emits, per record, a small
 * {@link RecordRef} naming the chunk the plan puts it in, keyed by that chunk's group ({@link
 * ChunkPlan#CHUNKS_PER_GROUP}). No tensor bytes are read here.
 */
final class ReadRecordRefs
    extends PTransform<PCollection<BatchSpec>, PCollection<KV<String, RecordRef>>> {
  private final String indices;

  /**
   * @param indices the indices file, read by each worker (it is not shipped in the job graph)
   */
  ReadRecordRefs(String indices) {
    this.indices = indices;
  }

  @Override
  public PCollection<KV<String, RecordRef>> expand(PCollection<BatchSpec> batches) {
    return batches
        .apply("EncodeRecords", ParDo.of(new EncodeFn(indices)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ElementCoders.RecordRefCoder.of()));
  }

  private static final class EncodeFn extends DoFn<BatchSpec, KV<String, RecordRef>> {
    private final String indices;
    private transient ChunkPlan plan;
    private final Counter records = Metrics.counter(SplitPipeline.METRICS, "records_read");
    private final Counter batches = Metrics.counter(SplitPipeline.METRICS, "batches_read");

    EncodeFn(String indices) {
      this.indices = indices;
    }

    @Setup
    public void setup() throws Exception {
      plan = ChunkPlan.read(indices);
    }

    @ProcessElement
    public void process(@Element BatchSpec batch, OutputReceiver<KV<String, RecordRef>> out)
        throws Exception {
      try (SeekableByteChannel ch = BeamFiles.openSeekable(batch.path())) {
        // One record at a time: a batch file's records are never all in memory.
        int n =
            PtFile.forEachRecord(
                ch,
                batch.path(),
                (i, record) -> {
                  if (i >= batch.records()) {
                    throw changedSince(batch, "more than " + batch.records());
                  }
                  long global = batch.firstIndex() + i;
                  ChunkPlan.Slot slot = plan.slot(global);
                  out.output(
                      KV.of(
                          slot.group(),
                          new RecordRef(
                              slot.chunkName(),
                              slot.position(),
                              global,
                              batch.path(),
                              RecordCodec.encode(record))));
                  records.inc();
                });
        if (n != batch.records()) {
          throw changedSince(batch, Integer.toString(n));
        }
      }
      batches.inc();
    }

    private static IllegalStateException changedSince(BatchSpec batch, String found) {
      return new IllegalStateException(
          batch.path()
              + ": has "
              + found
              + " records, but the indices were computed when it had "
              + batch.records()
              + "; rerun with --recomputeIndices");
    }
  }
}
