package dev.splitflow.pipeline;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.RecordCodec;
import java.nio.channels.SeekableByteChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * Opens each batch file (its directory and {@code data.pkl} only) and emits its records as {@link
 * RecordRefs}, one per chunk group (consecutive chunks of a split) the plan sends them to, keyed by
 * that group. No tensor bytes are read here.
 *
 * <p>Lists, not one element per record: a runner spends a fixed amount of work and memory on every
 * element it shuffles (the DirectRunner several kilobytes: a window, timers, state contexts), which
 * was most of what a local split allocated. A worker holds at most {@link #MAX_BUFFERED} records
 * before it emits them.
 */
final class ReadRecordRefs
    extends PTransform<PCollection<BatchSpec>, PCollection<KV<String, RecordRefs>>> {

  /** Records held before they are emitted: a few MB, whatever the batch size. */
  static final int MAX_BUFFERED = 10_000;

  private final String indices;
  private final int chunksPerGroup;
  private final int maxBuffered;
  private final Set<String> skipChunks;

  /**
   * @param indices the indices file, read by each worker (it is not shipped in the job graph)
   * @param chunksPerGroup as {@link WriteChunks} is given
   */
  ReadRecordRefs(String indices, int chunksPerGroup) {
    this(indices, chunksPerGroup, MAX_BUFFERED);
  }

  ReadRecordRefs(String indices, int chunksPerGroup, int maxBuffered) {
    this(indices, chunksPerGroup, maxBuffered, null);
  }

  /** As above, leaving out records of the chunks in {@code skipChunks} (null: none). */
  ReadRecordRefs(String indices, int chunksPerGroup, Set<String> skipChunks) {
    this(indices, chunksPerGroup, MAX_BUFFERED, skipChunks);
  }

  ReadRecordRefs(String indices, int chunksPerGroup, int maxBuffered, Set<String> skipChunks) {
    this.indices = indices;
    this.chunksPerGroup = chunksPerGroup;
    this.maxBuffered = maxBuffered;
    this.skipChunks = skipChunks == null ? null : new TreeSet<>(skipChunks);
  }

  @Override
  public PCollection<KV<String, RecordRefs>> expand(PCollection<BatchSpec> batches) {
    return batches
        .apply(
            "EncodeRecords",
            ParDo.of(new EncodeFn(indices, chunksPerGroup, maxBuffered, skipChunks)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ElementCoders.RecordRefsCoder.of()));
  }

  private static final class EncodeFn extends DoFn<BatchSpec, KV<String, RecordRefs>> {
    private final String indices;
    private final int chunksPerGroup;
    private final int maxBuffered;
    private final Set<String> skipChunks;
    private transient ChunkPlan plan;
    private transient RecordCodec.Writer writer;
    private final Counter records = Metrics.counter(SplitPipeline.METRICS, "records_read");
    private final Counter batches = Metrics.counter(SplitPipeline.METRICS, "batches_read");

    EncodeFn(String indices, int chunksPerGroup, int maxBuffered, Set<String> skipChunks) {
      this.indices = indices;
      this.chunksPerGroup = chunksPerGroup;
      this.maxBuffered = maxBuffered;
      this.skipChunks = skipChunks;
    }

    @Setup
    public void setup() throws Exception {
      plan = ChunkPlan.read(indices, chunksPerGroup);
      writer = new RecordCodec.Writer();
    }

    @ProcessElement
    public void process(@Element BatchSpec batch, OutputReceiver<KV<String, RecordRefs>> out)
        throws Exception {
      Map<String, RecordRefs.Builder> byGroup = new LinkedHashMap<>();
      int[] buffered = {0};
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
                  if (skipChunks != null && skipChunks.contains(plan.slot(global).chunkName())) {
                    return; // its chunk is kept as it is
                  }
                  byGroup
                      .computeIfAbsent(
                          plan.slot(global).group(), g -> new RecordRefs.Builder(batch.path()))
                      .add(global, record, writer);
                  records.inc();
                  if (++buffered[0] >= maxBuffered) {
                    emit(byGroup, out);
                    buffered[0] = 0;
                  }
                });
        if (n != batch.records()) {
          throw changedSince(batch, Integer.toString(n));
        }
      }
      emit(byGroup, out);
      batches.inc();
    }

    private static void emit(
        Map<String, RecordRefs.Builder> byGroup, OutputReceiver<KV<String, RecordRefs>> out) {
      for (Map.Entry<String, RecordRefs.Builder> e : byGroup.entrySet()) {
        out.output(KV.of(e.getKey(), e.getValue().build()));
      }
      byGroup.clear();
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
