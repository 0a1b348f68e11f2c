package dev.splitflow.pipeline;

import dev.splitflow.output.Checksums;
import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.pt.PtWriter;
import dev.splitflow.pt.RecordCodec;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes the chunks of each chunk group: each chunk's records in position order, each record's
 * tensor bytes read by range from its batch file and streamed into the chunk, which is written
 * under a temporary name and renamed when complete. Emits each chunk's size and checksums, computed
 * while writing, keyed by the output folder whose manifest will list them.
 */
final class WriteChunks
    extends PTransform<
        PCollection<KV<String, Iterable<List<RecordRef>>>>, PCollection<KV<String, ChunkInfo>>> {
  private final String output;
  private final int chunkSize;

  WriteChunks(String output, int chunkSize) {
    this.output = output;
    this.chunkSize = chunkSize;
  }

  @Override
  public PCollection<KV<String, ChunkInfo>> expand(
      PCollection<KV<String, Iterable<List<RecordRef>>>> groups) {
    return groups
        .apply("WriteChunkFiles", ParDo.of(new WriteFn(output, chunkSize)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ElementCoders.ChunkInfoCoder.of()));
  }

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(WriteChunks.class.getName());

  private static final class WriteFn
      extends DoFn<KV<String, Iterable<List<RecordRef>>>, KV<String, ChunkInfo>> {
    private final String output;
    private final int chunkSize;

    WriteFn(String output, int chunkSize) {
      this.output = output;
      this.chunkSize = chunkSize;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<List<RecordRef>>> group,
        OutputReceiver<KV<String, ChunkInfo>> out)
        throws IOException {
      Map<String, List<RecordRef>> chunks = new TreeMap<>();
      for (List<RecordRef> part : group.getValue()) {
        for (RecordRef r : part) {
          chunks.computeIfAbsent(r.chunk(), k -> new ArrayList<>()).add(r);
        }
      }
      // One channel per batch file for the whole group: its chunks read from the same files.
      Map<String, SeekableByteChannel> channels = new HashMap<>();
      Map<String, RecordCodec.Decoder> decoders = new HashMap<>();
      try {
        for (Map.Entry<String, List<RecordRef>> chunk : chunks.entrySet()) {
          out.output(KV.of(output, write(chunk.getKey(), chunk.getValue(), channels, decoders)));
        }
      } finally {
        for (SeekableByteChannel ch : channels.values()) {
          ch.close();
        }
      }
    }

    private ChunkInfo write(
        String name,
        List<RecordRef> refs,
        Map<String, SeekableByteChannel> channels,
        Map<String, RecordCodec.Decoder> decoders)
        throws IOException {
      ChunkNames.Parsed parsed =
          ChunkNames.parse(name).orElseThrow(() -> new IllegalStateException("bad chunk " + name));
      refs.sort(Comparator.comparingInt(RecordRef::position));
      for (int i = 0; i < refs.size(); i++) {
        if (refs.get(i).position() != i || i >= chunkSize) {
          throw new IllegalStateException(
              name + ": record positions are not 0.." + (refs.size() - 1));
        }
      }

      ResourceId target = BeamFiles.resolve(output, name);
      ResourceId temp = BeamFiles.temp(target);
      Checksums sums = new Checksums(BeamFiles.create(temp));
      long storageBytes;
      try (PtWriter w = new PtWriter(sums, PtWriter.archiveNameFor(name))) {
        for (RecordRef r : refs) {
          RecordCodec.Decoder d = decoders.get(r.batch());
          if (d == null) {
            SeekableByteChannel ch = BeamFiles.openSeekable(r.batch());
            channels.put(r.batch(), ch);
            d = new RecordCodec.Decoder(ch, r.batch());
            decoders.put(r.batch(), d);
          }
          w.append(d.decode(r.encoded()));
        }
        storageBytes = w.storageBytes();
      }
      BeamFiles.commit(temp, target);
      LOG.fine(() -> "wrote " + name);

      String split = parsed.split();
      Metrics.counter(SplitPipeline.METRICS, "records_" + split).inc(refs.size());
      Metrics.counter(SplitPipeline.METRICS, "bytes_" + split).inc(sums.bytes());
      Metrics.counter(SplitPipeline.METRICS, "tensor_bytes").inc(storageBytes);
      Metrics.counter(SplitPipeline.METRICS, SplitPipeline.CHUNKS_WRITTEN).inc();
      return new ChunkInfo(
          name, split, parsed.number(), refs.size(), sums.bytes(), sums.crc32c(), sums.sha256Hex());
    }
  }
}
