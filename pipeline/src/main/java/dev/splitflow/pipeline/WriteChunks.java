package dev.splitflow.pipeline;

import dev.splitflow.io.DiscardChannel;
import dev.splitflow.output.Checksums;
import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.pt.PtWriter;
import dev.splitflow.pt.SourceDecoders;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes the chunks of each chunk group: each chunk's records in the order the plan gives them,
 * each record's tensor bytes read by range from its batch file and streamed into the chunk, which
 * is written under a temporary name and renamed when complete. Emits each group's chunks' sizes and
 * checksums, computed while writing, keyed by the output folder whose manifest will list them.
 */
final class WriteChunks
    extends PTransform<
        PCollection<KV<String, Iterable<RecordRefs>>>, PCollection<KV<String, List<ChunkInfo>>>> {
  private final String output;
  private final String indices;
  private final int chunksPerGroup;
  private final boolean discard;

  /**
   * @param indices the indices file, read by each worker: it says which chunk, and where in it,
   *     each record goes
   * @param chunksPerGroup how many consecutive chunks of a split one shuffle key holds, as {@link
   *     ReadRecordRefs} is given
   */
  WriteChunks(String output, String indices, int chunksPerGroup) {
    this(output, indices, chunksPerGroup, false);
  }

  /**
   * @param discard make every chunk's bytes and checksums exactly as a split would, but write
   *     nothing: what {@code verify --input} compares with the manifest
   */
  WriteChunks(String output, String indices, int chunksPerGroup, boolean discard) {
    this.output = output;
    this.indices = indices;
    this.chunksPerGroup = chunksPerGroup;
    this.discard = discard;
  }

  @Override
  public PCollection<KV<String, List<ChunkInfo>>> expand(
      PCollection<KV<String, Iterable<RecordRefs>>> groups) {
    return groups
        .apply("WriteChunkFiles", ParDo.of(new WriteFn(output, indices, chunksPerGroup, discard)))
        .setCoder(
            KvCoder.of(StringUtf8Coder.of(), ListCoder.of(ElementCoders.ChunkInfoCoder.of())));
  }

  /** An I/O error on a chunk file that names the file (reading a batch names the batch). */
  static IOException named(ResourceId file, IOException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (m.contains(file.toString()) || m.contains(".pt")) {
      return e;
    }
    IOException out = new FileSystemException(file.toString(), null, m);
    out.addSuppressed(e);
    return out;
  }

  private static final Logger LOG = Logger.getLogger(WriteChunks.class.getName());

  /** Record {@code index} of {@code refs}. */
  private record Entry(RecordRefs refs, int index) {}

  private static final class WriteFn
      extends DoFn<KV<String, Iterable<RecordRefs>>, KV<String, List<ChunkInfo>>> {
    private final String output;
    private final String indices;
    private final int chunksPerGroup;
    private final boolean discard;
    private transient ChunkPlan plan;

    WriteFn(String output, String indices, int chunksPerGroup, boolean discard) {
      this.output = output;
      this.indices = indices;
      this.chunksPerGroup = chunksPerGroup;
      this.discard = discard;
    }

    @Setup
    public void setup() throws IOException {
      plan = ChunkPlan.read(indices, chunksPerGroup);
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<RecordRefs>> group,
        OutputReceiver<KV<String, List<ChunkInfo>>> out)
        throws IOException {
      // Each chunk's records by position; the plan says where each goes and how many there are.
      Map<String, Entry[]> chunks = new TreeMap<>();
      for (RecordRefs part : group.getValue()) {
        for (int i = 0; i < part.size(); i++) {
          long global = part.globalIndex(i);
          ChunkPlan.Slot slot = plan.slot(global);
          if (!slot.group().equals(group.getKey())) {
            throw new IllegalStateException(
                "record "
                    + global
                    + " arrived in chunk group "
                    + group.getKey()
                    + ", but the indices put it in "
                    + slot.chunkName());
          }
          Entry[] entries =
              chunks.computeIfAbsent(slot.chunkName(), k -> new Entry[plan.recordsIn(slot)]);
          if (entries[slot.position()] != null) {
            throw new IllegalStateException(
                slot.chunkName() + ": record " + global + " arrived twice");
          }
          entries[slot.position()] = new Entry(part, i);
        }
      }
      // One element per group, not per chunk: the DirectRunner copies the manifest's growing
      // collection of them through their coder as each bundle arrives.
      List<ChunkInfo> written = new ArrayList<>(chunks.size());
      // One channel per batch file for the whole group: its chunks read from the same files.
      try (SourceDecoders<String> decoders =
          new SourceDecoders<>(BeamFiles::openSeekable, batch -> batch)) {
        for (Map.Entry<String, Entry[]> chunk : chunks.entrySet()) {
          written.add(write(chunk.getKey(), chunk.getValue(), decoders));
        }
      }
      out.output(KV.of(output, written));
    }

    private ChunkInfo write(String name, Entry[] entries, SourceDecoders<String> decoders)
        throws IOException {
      ChunkNames.Parsed parsed =
          ChunkNames.parse(name).orElseThrow(() -> new IllegalStateException("bad chunk " + name));
      int missing = 0;
      for (Entry e : entries) {
        missing += e == null ? 1 : 0;
      }
      if (missing > 0) {
        throw new IllegalStateException(
            name
                + ": "
                + missing
                + " of its "
                + entries.length
                + " records never arrived (the first at position "
                + Arrays.asList(entries).indexOf(null)
                + ")");
      }

      ResourceId target = BeamFiles.resolve(output, name);
      ResourceId temp = BeamFiles.temp(target);
      Checksums sums;
      long storageBytes;
      try {
        sums = new Checksums(discard ? new DiscardChannel() : BeamFiles.create(temp));
      } catch (IOException e) {
        throw named(temp, e);
      }
      try (PtWriter w = new PtWriter(sums, PtWriter.archiveNameFor(name))) {
        // Each record is decoded twice (its metadata only, a few hundred bytes): first so the
        // writer sees which source storages several records view and writes each of those once,
        // then to write it. Holding the chunk's decoded records instead would cost memory in
        // proportion to the chunk, not to one record.
        for (Entry e : entries) {
          w.plan(e.refs().decode(e.index(), decoders.of(e.refs().batch())));
        }
        for (Entry e : entries) {
          w.append(e.refs().decode(e.index(), decoders.of(e.refs().batch())));
        }
        storageBytes = w.storageBytes();
      } catch (IOException e) {
        // A full disk says "No space left on device" and nothing else: name the file.
        throw named(temp, e);
      }
      if (!discard) {
        BeamFiles.commit(temp, target);
      }
      LOG.fine(() -> "wrote " + name);

      Split split = parsed.split();
      Metrics.counter(SplitPipeline.METRICS, "records_" + split.jsonName()).inc(entries.length);
      Metrics.counter(SplitPipeline.METRICS, "bytes_" + split.jsonName()).inc(sums.bytes());
      Metrics.counter(SplitPipeline.METRICS, "tensor_bytes").inc(storageBytes);
      Metrics.counter(SplitPipeline.METRICS, SplitPipeline.CHUNKS_WRITTEN).inc();
      return new ChunkInfo(
          name,
          split,
          parsed.number(),
          entries.length,
          sums.bytes(),
          sums.crc32c(),
          sums.sha256Hex());
    }
  }
}
