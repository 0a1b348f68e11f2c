package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ChunkRecompute;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.ObjectStore;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;

/**
 * {@code ./splitflow verify OUT --input GLOB|DIR}: proves an output is exactly what its input
 * makes. After every check of {@code verify --read-chunks}, it plans again from the batch files and
 * compares the plan with the indices, then makes every chunk again from the batch files and the
 * indices, streaming (the split's own read and write stages, on the DirectRunner, with a writer
 * that keeps no byte), and compares each chunk's records, size, CRC32C and SHA-256 with the
 * manifest's. Writes nothing. Catches what metadata cannot: chunks swapped, a chunk and its
 * manifest entry changed together, an index moved between splits with the digest updated.
 */
public final class DeepVerify {
  private DeepVerify() {}

  /** Chunks each running verification recomputed, by its token; DirectRunner only (one JVM). */
  private static final Map<String, Queue<ChunkInfo>> RECOMPUTED = new ConcurrentHashMap<>();

  public static OutputVerifier.Report verify(String output, String input, PipelineOptions options)
      throws IOException {
    String folder = BeamFiles.folder(output);
    ObjectStore store = store(output, options);
    OutputVerifier.Report shallow = OutputVerifier.verify(store, -1);
    Manifest manifest = shallow.manifest();
    if (manifest == null || !ChunkNames.isPlainName(manifest.indicesFile())) {
      return shallow;
    }
    List<OutputVerifier.Failure> failures = new ArrayList<>(shallow.failures());
    String indicesPath = BeamFiles.resolve(folder, manifest.indicesFile()).toString();
    IndicesFile indices;
    try {
      indices =
          IndicesFile.parse(
              new String(store.read(manifest.indicesFile()), StandardCharsets.UTF_8), indicesPath);
    } catch (IOException | RuntimeException e) {
      return shallow; // the shallow checks have said why
    }
    List<Indices.Found> batches =
        SplitPipeline.listBatches(input, new Outputs(folder, indicesPath));
    List<IndicesScan.Batch> scan =
        batches.stream()
            .map(b -> new IndicesScan.Batch(b.path(), b.file(), b.bytes(), null))
            .toList();
    List<String> changes =
        IndicesScan.differences(
            indices, scan, indices.config(), b -> BeamFiles.openSeekable(b.path()));
    for (String change : changes) {
      failures.add(new OutputVerifier.Failure("input", change));
    }
    if (!changes.isEmpty()) {
      // Recomputing chunks from inputs that no longer match would only repeat the difference.
      return new OutputVerifier.Report(shallow.location(), failures, manifest, 0);
    }
    checkPlan(indices, Indices.compute(batches, indices.config()), failures);
    List<ChunkInfo> recomputed = recompute(indices, batches, folder, indicesPath, options);
    compare(manifest, recomputed, failures);
    return new OutputVerifier.Report(shallow.location(), failures, manifest, recomputed.size());
  }

  /**
   * An output folder to verify: a local folder, or a {@code gs://} prefix read through Beam's
   * FileSystems (sizes from the listing; bytes read for CRC32C and SHA-256).
   */
  public static ObjectStore store(String output, PipelineOptions options) {
    FileSystems.setDefaultPipelineOptions(options);
    String folder = BeamFiles.folder(output);
    return "file".equals(BeamFiles.resolveFile(folder + "x").getScheme())
        ? new LocalFolder(Path.of(folder))
        : new BeamFolder(folder);
  }

  /** The indices' lists must be what the planner makes of these batch files and this config. */
  private static void checkPlan(
      IndicesFile indices, IndicesFile planned, List<OutputVerifier.Failure> failures) {
    for (Split s : Split.values()) {
      long[] have = indices.indices(s);
      long[] want = planned.indices(s);
      if (!Arrays.equals(have, want)) {
        int i = Arrays.mismatch(have, want);
        failures.add(
            new OutputVerifier.Failure(
                "indices plan",
                s.jsonName()
                    + " list differs from what the batch files and the config give, first at"
                    + " position "
                    + i
                    + " ("
                    + (i < have.length ? Long.toString(have[i]) : "end")
                    + " where the planner puts "
                    + (i < want.length ? Long.toString(want[i]) : "end")
                    + ")"));
      }
    }
  }

  private static List<ChunkInfo> recompute(
      IndicesFile indices,
      List<Indices.Found> batches,
      String folder,
      String indicesPath,
      PipelineOptions options) {
    String token = UUID.randomUUID().toString();
    RECOMPUTED.put(token, new ConcurrentLinkedQueue<>());
    try {
      ChunkPlan plan = ChunkPlan.of(indices);
      int workers = options.as(DirectOptions.class).getTargetParallelism();
      int perGroup = ChunkPlan.chunksPerGroup(plan.chunkNames().size(), workers);
      options.setRunner(DirectRunner.class);
      Pipeline p = Pipeline.create(options);
      p.apply(
              "ListBatches",
              Create.of(SplitPipeline.specs(indices, batches))
                  .withCoder(ElementCoders.BatchSpecCoder.of()))
          .apply("ReadRecordRefs", new ReadRecordRefs(indicesPath, perGroup))
          .apply("GroupByChunkGroup", GroupByKey.create())
          .apply("MakeChunks", new WriteChunks(folder, indicesPath, perGroup, true))
          .apply("Collect", ParDo.of(new CollectFn(token)));
      p.run().waitUntilFinish();
      return new ArrayList<>(RECOMPUTED.get(token));
    } finally {
      RECOMPUTED.remove(token);
    }
  }

  private static final class CollectFn extends DoFn<KV<String, List<ChunkInfo>>, Void> {
    private final String token;

    CollectFn(String token) {
      this.token = token;
    }

    @ProcessElement
    public void process(@Element KV<String, List<ChunkInfo>> chunks) {
      RECOMPUTED.get(token).addAll(chunks.getValue());
    }
  }

  private static void compare(
      Manifest manifest, List<ChunkInfo> recomputed, List<OutputVerifier.Failure> failures) {
    Map<String, ChunkInfo> made = new TreeMap<>();
    for (ChunkInfo c : recomputed) {
      made.put(c.name(), c);
    }
    for (ChunkInfo listed : manifest.chunks()) {
      ChunkInfo want = made.remove(listed.name());
      if (want == null) {
        failures.add(
            new OutputVerifier.Failure(
                "chunk recomputed",
                listed.name()
                    + " is in the manifest, but the input and indices make no such chunk"));
      } else {
        ChunkRecompute.mismatch(want, listed).ifPresent(failures::add);
      }
    }
    for (String name : made.keySet()) {
      failures.add(
          new OutputVerifier.Failure(
              "chunk recomputed", name + " is made from the input, but the manifest lacks it"));
    }
  }
}
