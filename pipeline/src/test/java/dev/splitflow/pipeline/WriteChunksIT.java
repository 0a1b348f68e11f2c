package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer takes each record's chunk and position from the indices, so it must notice when the
 * shuffle hands it a record twice, loses one, or delivers one under another chunk group, and say
 * which chunk and record, rather than write a chunk with a hole or a repeat.
 */
class WriteChunksIT {
  @TempDir Path tmp;
  private Path batches;
  private Path out;
  private SplitPipeline.SplitRun run;
  private List<BatchSpec> specs;

  @BeforeEach
  void indices() throws IOException {
    batches = tmp.resolve("batches");
    SyntheticBatch.writeDataset(batches, 2, 60, 256, 4);
    out = tmp.resolve("out");
    run = SplitPipelineIT.split(SplitPipelineIT.options(batches, out, 2, "--computeIndicesOnly"));
    specs = SplitPipeline.specs(run.indices(), SplitPipeline.listBatches(batches + "/"));
  }

  @Test
  void untouchedReferencesWriteEveryChunkTheSameWhateverTheGroupSize() throws IOException {
    write(kv -> List.of(kv));
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(
          run.chunks().stream().sorted().toList(),
          s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pt")).sorted().toList());
    }
    Map<String, byte[]> eight = SplitPipelineIT.files(out);
    for (String name : run.chunks()) {
      Files.delete(out.resolve(name));
    }
    write(kv -> List.of(kv), 1);
    Map<String, byte[]> one = SplitPipelineIT.files(out);
    assertEquals(eight.keySet(), one.keySet());
    for (String name : eight.keySet()) {
      assertTrue(Arrays.equals(eight.get(name), one.get(name)), name);
    }
  }

  @Test
  void aRecordDeliveredTwiceIsNamed() {
    String msg = failure(kv -> List.of(kv, kv));
    assertTrue(msg.matches("(train|val|test)_chunk_\\d{5}\\.pt: record \\d+ arrived twice"), msg);
  }

  @Test
  void aLostRecordIsCountedWithItsPosition() {
    // Drop the first record of every list: each chunk that had one misses it.
    String msg =
        failure(
            kv -> {
              RecordRefs r = kv.getValue();
              if (r.size() < 2) {
                return List.of();
              }
              int[] ends = Arrays.copyOfRange(r.ends(), 1, r.size());
              int skip = r.ends()[0];
              for (int i = 0; i < ends.length; i++) {
                ends[i] -= skip;
              }
              return List.of(
                  KV.of(
                      kv.getKey(),
                      new RecordRefs(
                          r.batch(),
                          Arrays.copyOfRange(r.globalIndices(), 1, r.size()),
                          ends,
                          Arrays.copyOfRange(r.encoded(), skip, r.encoded().length))));
            });
    assertTrue(
        msg.matches(
            "(train|val|test)_chunk_\\d{5}\\.pt: \\d+ of its \\d+ records never arrived"
                + " \\(the first at position \\d+\\)"),
        msg);
  }

  @Test
  void aRecordUnderAnotherChunkGroupIsNamed() {
    String msg = failure(kv -> List.of(KV.of(kv.getKey() + "x", kv.getValue())));
    assertTrue(
        msg.matches(
            "record \\d+ arrived in chunk group \\w+/\\dx, but the indices put it in"
                + " (train|val|test)_chunk_\\d{5}\\.pt"),
        msg);
  }

  private String failure(Tamper tamper) {
    Exception e = assertThrows(Exception.class, () -> write(tamper));
    try (Stream<Path> s = Files.list(out)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().equals(ChunkNames.MANIFEST)));
    } catch (IOException io) {
      throw new AssertionError(io);
    }
    return SplitPipelineIT.rootMessage(e);
  }

  /**
   * ReadRecordRefs, then {@code tamper}, then the shuffle and WriteChunks, as the pipeline does.
   */
  private void write(Tamper tamper) {
    write(tamper, 8);
  }

  private void write(Tamper tamper, int chunksPerGroup) {
    Pipeline p = Pipeline.create(SplitPipelineIT.options(batches, out, 2));
    p.apply(Create.of(specs).withCoder(ElementCoders.BatchSpecCoder.of()))
        .apply(new ReadRecordRefs(run.indicesPath(), chunksPerGroup))
        .apply(ParDo.of(new TamperFn(tamper)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ElementCoders.RecordRefsCoder.of()))
        .apply(GroupByKey.create())
        .apply(new WriteChunks(out + "/", run.indicesPath(), chunksPerGroup));
    p.run().waitUntilFinish();
  }

  private interface Tamper
      extends SerializableFunction<KV<String, RecordRefs>, List<KV<String, RecordRefs>>> {}

  private static final class TamperFn extends DoFn<KV<String, RecordRefs>, KV<String, RecordRefs>> {
    private final Tamper tamper;

    TamperFn(Tamper tamper) {
      this.tamper = tamper;
    }

    @ProcessElement
    public void process(
        @Element KV<String, RecordRefs> kv, OutputReceiver<KV<String, RecordRefs>> out) {
      tamper.apply(kv).forEach(out::output);
    }
  }
}
