package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.split.BatchOrder;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.SourceFile;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import dev.splitflow.split.SplitRatios;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The split: batch files in, stratified chunk files, indices and manifest out. {@link #main} parses
 * options and calls {@link #run}; the same pipeline runs on the DirectRunner ({@code ./splitflow
 * split}) and on Dataflow (the Flex Template).
 *
 * <p>Stages: ensure the indices (driver side, reading batch metadata only) → ListBatches →
 * ReadRecordRefs (one small reference per record, keyed by its chunk's group) → GroupByChunkGroup →
 * WriteChunks (tensor bytes read by range and streamed into each chunk) → WriteManifest (last).
 */
public final class SplitPipeline {
  private SplitPipeline() {}

  private static final Logger LOG = Logger.getLogger(SplitPipeline.class.getName());

  static final String METRICS = "splitflow";
  static final String CHUNKS_WRITTEN = "chunks_written";

  public static void main(String[] args) throws IOException {
    PipelineOptionsFactory.register(SplitOptions.class);
    SplitOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(SplitOptions.class);
    // No waitUntilFinish: the DirectRunner blocks by default, and a Flex Template launcher must
    // return as soon as the Dataflow job is submitted.
    SplitRun run = run(options);
    // An extension's records that are gone (removed or shortened batch files): the CLI prints
    // these; a launched job has only its log to say which files they came from.
    run.notes().forEach(n -> LOG.warning("note: " + n));
  }

  /** What {@link #run} started: the indices in force and the running pipeline (null if none). */
  public record SplitRun(
      IndicesFile indices,
      String indicesPath,
      boolean indicesComputed,
      List<String> chunks,
      String manifest,
      PipelineResult result,
      String indicesSha256,
      List<String> notes) {}

  /** Ensures the indices, then starts the pipeline unless only indices were asked for. */
  public static SplitRun run(SplitOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    requirePath("input", options.getInput());
    requirePath("output", options.getOutput());
    SplitConfig config = config(options);
    String output = BeamFiles.folder(options.getOutput());
    String indicesPath =
        options.getIndices() == null || options.getIndices().isEmpty()
            ? BeamFiles.resolve(output, ChunkNames.INDICES).toString()
            : options.getIndices();
    long t0 = System.nanoTime();
    List<Indices.Found> batches = listBatches(options.getInput(), new Outputs(output, indicesPath));
    LOG.info(() -> "listed " + batches.size() + " batch files in " + ms(t0) + " ms");
    // Everything above only read; from here on the folder is this run's until it ends.
    // A classic template only records the graph: its job, if ever run, runs without this driver.
    OutputClaim claim =
        isClassicTemplate(options)
            ? null
            : OutputClaim.take(output, holder(options), blankToNull(options.getRunId()), options);
    try {
      SplitRun run = start(options, config, output, indicesPath, batches, claim, t0);
      if (run.result() == null && claim != null) {
        claim.release(options);
      }
      return run;
    } catch (IOException | RuntimeException | Error e) {
      releaseQuietly(claim, options, e);
      throw e;
    }
  }

  private static SplitRun start(
      SplitOptions options,
      SplitConfig config,
      String output,
      String indicesPath,
      List<Indices.Found> batches,
      OutputClaim claim,
      long t0)
      throws IOException {
    int stale = BeamFiles.deleteStaleTemps(output);
    if (stale > 0) {
      LOG.warning(
          () -> "removed " + stale + " temporary files an interrupted run left in " + output);
    }
    Indices.Result indices =
        Indices.ensure(
            batches, config, indicesPath, options.getRecomputeIndices(), versioning(options));
    LOG.info(
        () ->
            (indices.computed() ? "computed " : "reused ")
                + indicesPath
                + " after "
                + ms(t0)
                + " ms");
    ChunkPlan plan = ChunkPlan.of(indices.indices());
    String manifest = BeamFiles.resolve(output, ChunkNames.MANIFEST).toString();
    if (options.getComputeIndicesOnly()) {
      return new SplitRun(
          indices.indices(),
          indicesPath,
          indices.computed(),
          plan.chunkNames(),
          manifest,
          null,
          indices.sha256(),
          indices.notes());
    }
    // An extension keeps the chunks whose records did not change; read before the manifest goes.
    Map<String, ChunkInfo> reused = ChunkReuse.find(indices.indices(), indicesPath, output);
    // A manifest left by an earlier run would vouch for an output this run is rewriting.
    BeamFiles.delete(List.of(BeamFiles.resolveFile(manifest)));

    Pipeline p = Pipeline.create(options);
    build(
        p,
        specs(indices.indices(), batches),
        spreadsBatches(options),
        output,
        indicesPath,
        plan.chunkNames(),
        ChunkPlan.chunksPerGroup(plan.chunkNames().size(), localWorkers(options)),
        blankToNull(options.getRunId()),
        claim,
        reused == null ? null : new ReusedChunks(plan, reused));
    PipelineResult started = p.run();
    // Whoever waits on a local run sees its claim released when it fails; a Dataflow job's
    // result stays the runner's own (a failed job's claim is stale, docs/operations.md).
    PipelineResult result =
        claim != null && DirectRunner.class.isAssignableFrom(options.getRunner())
            ? new ClaimReleasingResult(started, claim, options)
            : started;
    LOG.info(() -> "pipeline started after " + ms(t0) + " ms");
    return new SplitRun(
        indices.indices(),
        indicesPath,
        indices.computed(),
        plan.chunkNames(),
        manifest,
        result,
        indices.sha256(),
        indices.notes());
  }

  /** Whether this run only writes a classic Dataflow template (--templateLocation). */
  static boolean isClassicTemplate(PipelineOptions options) {
    String location = options.as(DataflowPipelineOptions.class).getTemplateLocation();
    return location != null && !location.isEmpty();
  }

  /** Who holds the claim, for the message a second run prints. */
  private static String holder(SplitOptions options) {
    String runId = blankToNull(options.getRunId());
    return (options.getComputeIndicesOnly() ? "splitflow indices" : "splitflow split")
        + (runId == null ? "" : " for run " + runId)
        + " (job "
        + options.getJobName()
        + ")";
  }

  static void releaseQuietly(OutputClaim claim, PipelineOptions options, Throwable failure) {
    if (claim == null) {
      return;
    }
    try {
      claim.release(options);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** A blank path (an unset shell variable) would mean the current folder: refuse it. */
  static void requirePath(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new SplitException(
          "--"
              + option
              + "='"
              + (value == null ? "" : value)
              + "' is not accepted; expected a path or gs:// URI, not empty");
    }
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  /**
   * Whether to spread the batch files over workers before reading their metadata. On Dataflow a
   * Create of a few hundred small elements stays one bundle on one worker, which would then read
   * every batch file's {@code data.pkl} alone. The DirectRunner already runs the stage on its own
   * threads, and there the extra shuffle cost 1 to 2 s per run (docs/performance.md).
   */
  static boolean spreadsBatches(PipelineOptions options) {
    return !DirectRunner.class.isAssignableFrom(options.getRunner());
  }

  /** The DirectRunner's worker threads, or 0 on any other runner. */
  static int localWorkers(PipelineOptions options) {
    return DirectRunner.class.isAssignableFrom(options.getRunner())
        ? options.as(DirectOptions.class).getTargetParallelism()
        : 0;
  }

  /** The pipeline graph, given what the driver prepared. */
  static void build(
      Pipeline p,
      List<BatchSpec> batches,
      boolean spread,
      String output,
      String indicesPath,
      List<String> chunks,
      int chunksPerGroup,
      String runId,
      OutputClaim claim) {
    build(p, batches, spread, output, indicesPath, chunks, chunksPerGroup, runId, claim, null);
  }

  /**
   * Chunk files an extension leaves as they are, and the batch files none of whose records go
   * anywhere else (those are not opened).
   */
  record ReusedChunks(Map<String, ChunkInfo> chunks, ChunkPlan plan) {
    ReusedChunks(ChunkPlan plan, Map<String, ChunkInfo> chunks) {
      this(chunks, plan);
    }

    boolean needed(BatchSpec b) {
      for (long g = b.firstIndex(); g < b.firstIndex() + b.records(); g++) {
        if (!chunks.containsKey(plan.slot(g).chunkName())) {
          return true;
        }
      }
      return false;
    }
  }

  /** As above; with {@code reused}, only the other chunks are written (null: every chunk). */
  static void build(
      Pipeline p,
      List<BatchSpec> batches,
      boolean spread,
      String output,
      String indicesPath,
      List<String> chunks,
      int chunksPerGroup,
      String runId,
      OutputClaim claim,
      ReusedChunks reused) {
    List<BatchSpec> read =
        reused == null ? batches : batches.stream().filter(reused::needed).toList();
    PCollection<BatchSpec> specs =
        p.apply("ListBatches", Create.of(read).withCoder(ElementCoders.BatchSpecCoder.of()));
    if (spread) {
      specs = specs.apply("SpreadBatches", Reshuffle.viaRandomKey());
    }
    Set<String> skip = reused == null ? null : new TreeSet<>(reused.chunks().keySet());
    PCollection<KV<String, List<ChunkInfo>>> written =
        specs
            .apply("ReadRecordRefs", new ReadRecordRefs(indicesPath, chunksPerGroup, skip))
            .apply("GroupByChunkGroup", GroupByKey.create())
            .apply("WriteChunks", new WriteChunks(output, indicesPath, chunksPerGroup));
    if (reused != null) {
      // Always one element, so the manifest is written even when no chunk changed.
      PCollection<KV<String, List<ChunkInfo>>> kept =
          p.apply(
              "KeptChunks",
              Create.of(KV.of(output, (List<ChunkInfo>) new ArrayList<>(reused.chunks().values())))
                  .withCoder(
                      KvCoder.of(
                          StringUtf8Coder.of(), ListCoder.of(ElementCoders.ChunkInfoCoder.of()))));
      written = PCollectionList.of(written).and(kept).apply("AllChunks", Flatten.pCollections());
    }
    written.apply(
        "WriteManifest", new WriteManifest(output, indicesPath, chunks, runId, claim, skip));
  }

  static Indices.Versioning versioning(SplitOptions o) {
    return new Indices.Versioning(blankToNull(o.getPreviousIndices()), blankToNull(o.getIdField()));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  static SplitConfig config(SplitOptions o) {
    SplitConfig c =
        SplitConfig.defaults()
            .withSeed(o.getSeed())
            .withRatios(new SplitRatios(o.getTrainRatio(), o.getValRatio(), o.getTestRatio()))
            .withChunkSize(o.getChunkSize())
            .withStrataFields(
                Arrays.stream(o.getStrataFields().split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList());
    String group = o.getGroupBy();
    return group == null || group.isBlank() ? c : c.withGroupBy(group.trim());
  }

  /** The batch files an input names, in natural numeric order (batch_2 before batch_10). */
  static List<Indices.Found> listBatches(String input) throws IOException {
    return listBatches(input, null);
  }

  /**
   * As above, never taking a run's own outputs ({@code outputs}; null for none) as batch files, and
   * stopping when the input matches nothing else.
   */
  static List<Indices.Found> listBatches(String input, Outputs outputs) throws IOException {
    String glob = input;
    boolean wildcard = input.contains("*") || input.contains("?") || input.contains("{");
    if (!wildcard && !input.endsWith(".pt")) {
      glob = BeamFiles.folder(input) + "batch_*.pt";
    }
    Map<String, MatchResult.Metadata> byPath = new LinkedHashMap<>();
    List<String> excluded = new ArrayList<>();
    for (MatchResult.Metadata m : BeamFiles.match(glob)) {
      if (m.resourceId().isDirectory()) {
        continue;
      }
      String path = m.resourceId().toString();
      if (outputs != null && outputs.contains(path)) {
        excluded.add(path);
      } else {
        byPath.put(path, m);
      }
    }
    if (byPath.isEmpty() && !excluded.isEmpty()) {
      throw new SplitException(
          "the input "
              + glob
              + " matches only splitflow's own outputs ("
              + excluded.size()
              + " files such as "
              + excluded.get(0)
              + "), which are never read as batch files; point --input at the batch files");
    }
    if (byPath.isEmpty()) {
      throw new SplitException("no batch files match " + glob);
    }
    if (!excluded.isEmpty()) {
      LOG.info(() -> "not reading " + excluded.size() + " output files that match " + input);
    }
    List<Indices.Found> out = new ArrayList<>();
    for (String path : BatchOrder.sort(new ArrayList<>(byPath.keySet()))) {
      MatchResult.Metadata m = byPath.get(path);
      out.add(new Indices.Found(path, m.resourceId().getFilename(), m.sizeBytes()));
    }
    return out;
  }

  /**
   * What each worker reads: the batch files as listed now (the indices record where they were when
   * computed; a moved folder, or indices computed from Cloud Storage for a local run, must not send
   * workers to the old place), with the indices' record numbering.
   */
  static List<BatchSpec> specs(IndicesFile indices, List<Indices.Found> batches) {
    Map<String, String> now = new LinkedHashMap<>();
    for (Indices.Found b : batches) {
      now.put(b.file(), b.path());
    }
    List<BatchSpec> out = new ArrayList<>();
    for (SourceFile s : indices.sources()) {
      String path = now.get(s.file());
      if (path == null) {
        throw new SplitException(
            s.file() + " is in the indices but not in the input; the indices do not match");
      }
      out.add(new BatchSpec(path, s.firstIndex(), s.records()));
    }
    return out;
  }
}
