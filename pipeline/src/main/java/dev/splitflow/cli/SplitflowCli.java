package dev.splitflow.cli;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.pipeline.DeepVerify;
import dev.splitflow.pipeline.SplitOptions;
import dev.splitflow.pipeline.SplitPipeline;
import dev.splitflow.pt.PtException;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import dev.splitflow.split.Lineage;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/**
 * The {@code ./splitflow} command line. Each command prints its result on standard output, or one
 * line {@code splitflow: <reason>} on standard error and a non-zero exit status.
 */
public final class SplitflowCli {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT =
      """
      usage: splitflow <command> [arguments]

      commands:
        split --input GLOB|DIR --output DIR [options]
                          split batch files into train/val/test chunks (DirectRunner)
        indices --input GLOB|DIR --output DIR [options]
                          only compute (or check) stratification_indices.json
        verify DIR [--read-chunks]
                          check an output folder against its manifest and indices
                          (--read-chunks: read every chunk, check its SHA-256 too)
        verify DIR|gs://... --input GLOB|DIR
                          also make every chunk again from the batch files and the
                          indices, writing nothing, and compare (reads the input once)
        demo [DIR]        write a small synthetic dataset to DIR/batches (default ./demo)
                          and split it into DIR/output
        generate DIR [--batches N] [--records R] [--image-kib K]
                          write a synthetic dataset of N batch files (default 8 x 250
                          records of 32 KiB images) without splitting it
        inspect FILE.pt   print a .pt file's records as JSON (docs/inspect.md)
        help              show this text

      split/indices options (docs/pipeline.md): --trainRatio=0.7 --valRatio=0.15
        --testRatio=0.15 --seed=42 --chunkSize=50
        --strataFields=view_position,has:clinical_features --groupBy=subject_id
        --indices=PATH --recomputeIndices --workers=N
        --previousIndices=PATH (extend that dataset version) --idField=FIELD
      """;

  private SplitflowCli() {}

  public static void main(String[] args) {
    // Beam logs at INFO through java.util.logging; a command line shows warnings only.
    if (System.getenv("SPLITFLOW_VERBOSE") == null) {
      Logger root = Logger.getLogger("");
      root.setLevel(Level.WARNING);
      for (Handler h : root.getHandlers()) {
        h.setLevel(Level.WARNING);
      }
    }
    DirectRunnerOptionsLoader.install();
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream stdout, PrintStream stderr) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      (args.length == 0 ? stderr : stdout).print(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (CliArgs.wantsHelp(rest)) {
      stdout.print(USAGE_TEXT);
      return OK;
    }
    try {
      return switch (args[0]) {
        case "inspect" -> inspect(rest, stdout, stderr);
        case "split" -> split(rest, false, stdout, stderr);
        case "indices" -> split(rest, true, stdout, stderr);
        case "verify" -> verify(rest, stdout, stderr);
        case "demo" -> demo(rest, stdout, stderr);
        case "generate" -> generate(rest, stdout, stderr);
        default -> usage(stderr, "unknown command '" + args[0] + "'");
      };
    } catch (PtException | SplitException e) {
      stderr.println("splitflow: " + e.getMessage());
      return FAILED;
    } catch (CliArgs.UsageError e) {
      stderr.println("splitflow: " + e.getMessage() + " (splitflow help lists the options)");
      return USAGE;
    } catch (IllegalArgumentException e) {
      return usage(stderr, e.getMessage());
    } catch (IOException e) {
      stderr.println("splitflow: " + IoErrors.describe(e));
      return FAILED;
    } catch (RuntimeException e) {
      stderr.println("splitflow: " + reason(e));
      return FAILED;
    } catch (OutOfMemoryError e) {
      stderr.println("splitflow: out of memory (raise -Xmx with JAVA_OPTS): " + e.getMessage());
      return FAILED;
    } catch (StackOverflowError e) {
      // The .pt reader checks nesting before recursing; this is a last guard, never a stack trace.
      stderr.println("splitflow: " + String.join(" ", args) + ": values nested too deeply");
      return FAILED;
    }
  }

  /** The message a user can act on: the innermost cause's, without Beam's wrapping. */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof IOException io) {
      return IoErrors.describe(io);
    }
    String m = t.getMessage();
    return (m == null ? t.getClass().getSimpleName() : m).lines().findFirst().orElse("");
  }

  private static int usage(PrintStream stderr, String problem) {
    stderr.println("splitflow: " + problem);
    stderr.print(USAGE_TEXT);
    return USAGE;
  }

  private static int inspect(String[] args, PrintStream stdout, PrintStream stderr)
      throws IOException {
    if (args.length != 1) {
      return usage(stderr, "inspect takes one file");
    }
    Path path = Path.of(args[0]);
    if (Files.isDirectory(path)) {
      stderr.println("splitflow: " + path + ": is a directory, expected a .pt file");
      return FAILED;
    }
    try (PtFile file = PtFile.open(path)) {
      Writer out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
      PtJson.write(file, out);
      out.flush();
    }
    return OK;
  }

  static SplitOptions options(String[] args) {
    return options("split", args);
  }

  /** Checks every flag (CliArgs), then has Beam build the options from what passed. */
  static SplitOptions options(String command, String[] args) {
    Map<String, String> flags =
        CliArgs.parse(command, args, CliArgs.SPLIT_FLAGS, CliArgs.setOf("input", "output"));
    PipelineOptionsFactory.register(SplitOptions.class);
    SplitOptions options =
        PipelineOptionsFactory.fromArgs(CliArgs.beamArgs(flags))
            .withValidation()
            .as(SplitOptions.class);
    options.setInput(local(options.getInput()));
    options.setOutput(local(options.getOutput()));
    if (!options.getPreviousIndices().isBlank()) {
      options.setPreviousIndices(local(options.getPreviousIndices().trim()));
    }
    options.setRunner(DirectRunner.class);
    DirectOptions direct = options.as(DirectOptions.class);
    direct.setBlockOnRun(false);
    // Checks that catch bugs in pipeline code, at a cost on every element: tests keep them on.
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
    return options;
  }

  /** Local paths made absolute (keeping a trailing '/' and globs); URIs as they are. */
  static String local(String path) {
    if (path == null || path.contains("://")) {
      return path;
    }
    String abs = Path.of(path).toAbsolutePath().normalize().toString();
    return path.endsWith("/") && !abs.endsWith("/") ? abs + "/" : abs;
  }

  private static int split(
      String[] args, boolean indicesOnly, PrintStream stdout, PrintStream stderr)
      throws IOException {
    // Timed from the JVM's start: what a user waits for includes parsing the options.
    long start = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000;
    SplitOptions options = options(indicesOnly ? "indices" : "split", args);
    if (indicesOnly) {
      options.setComputeIndicesOnly(true);
    }
    return runSplit(options, start, stdout, stderr);
  }

  static int runSplit(SplitOptions options, long start, PrintStream stdout, PrintStream stderr)
      throws IOException {
    SplitPipeline.SplitRun run = SplitPipeline.run(options);
    stdout.printf(
        "indices: %s (%s)%n",
        run.indicesPath(), run.indicesComputed() ? "computed" : "reused, matches the batch files");
    printLineage(run, stdout);
    if (run.result() == null) {
      for (Split s : Split.values()) {
        stdout.printf("  %-5s %8d records%n", s.jsonName(), run.indices().indices(s).length);
      }
      return OK;
    }
    waitWithProgress(run, stderr, start);
    Manifest m =
        Manifest.parse(
            Files.readString(Path.of(options.getOutput(), ChunkNames.MANIFEST)), run.manifest());
    if (!run.indicesSha256().equals(m.indicesSha256())) {
      // The claim is released once the manifest is written; a run that started since may own it.
      throw new IllegalStateException(
          run.manifest()
              + " was written by another run (its indices digest is not this run's); run"
              + " ./splitflow verify "
              + options.getOutput()
              + " to see what the folder holds now");
    }
    for (var e : m.splits().entrySet()) {
      stdout.printf(
          "  %-5s %8d records %6d chunks %,15d bytes%n",
          e.getKey().jsonName(),
          e.getValue().records(),
          e.getValue().chunks(),
          e.getValue().bytes());
    }
    stdout.printf(
        "done in %.1f s; manifest: %s%n", (System.nanoTime() - start) / 1e9, run.manifest());
    return OK;
  }

  /** An extension's kept/added/removed counts, and which batch files lost records. */
  private static void printLineage(SplitPipeline.SplitRun run, PrintStream stdout) {
    Lineage l = run.indices().lineage();
    if (l == null) {
      return;
    }
    stdout.printf(
        "extends %s: kept %d, added %d, removed %d records%n",
        l.previousDigest(), l.kept().sum(), l.added().sum(), l.removed().sum());
    for (Split s : Split.values()) {
      stdout.printf(
          "  %-5s kept %8d added %8d removed %8d%n",
          s.jsonName(), l.kept().get(s), l.added().get(s), l.removed().get(s));
    }
    for (String note : run.notes()) {
      stdout.println("  note: " + note);
    }
  }

  /** Waits for the pipeline, printing chunk progress on long runs. */
  private static void waitWithProgress(SplitPipeline.SplitRun run, PrintStream stderr, long start) {
    PipelineResult result = run.result();
    int total = run.chunks().size();
    while (true) {
      PipelineResult.State state = result.waitUntilFinish(Duration.standardSeconds(5));
      if (state != null && state.isTerminal()) {
        if (state != PipelineResult.State.DONE) {
          throw new IllegalStateException("the pipeline ended " + state);
        }
        return;
      }
      stderr.printf(
          "splitflow: %d/%d chunks written, %.0f s%n",
          chunksWritten(result), total, (System.nanoTime() - start) / 1e9);
    }
  }

  private static long chunksWritten(PipelineResult result) {
    MetricQueryResults q =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("splitflow", "chunks_written"))
                    .build());
    long n = 0;
    for (MetricResult<Long> c : q.getCounters()) {
      n += c.getAttempted();
    }
    return n;
  }

  private static final Map<String, CliArgs.Kind> VERIFY_FLAGS =
      Map.of("read-chunks", CliArgs.Kind.FLAG, "input", CliArgs.Kind.PATH);

  private static int verify(String[] args, PrintStream stdout, PrintStream stderr)
      throws IOException {
    List<String> folders = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        folders.add(a);
      } else if (a.equals("--input") && i + 1 < args.length) {
        flags.add(a + "=" + args[++i]);
      } else {
        flags.add(a);
      }
    }
    if (folders.size() != 1) {
      throw new CliArgs.UsageError(
          "verify takes one output folder, found "
              + (folders.isEmpty() ? "none" : String.join(", ", folders)));
    }
    Map<String, String> options =
        CliArgs.parse("verify", flags.toArray(new String[0]), VERIFY_FLAGS, Set.of());
    boolean readChunks = Boolean.parseBoolean(options.getOrDefault("read-chunks", "false"));
    String folder = folders.get(0);
    if (folder.isBlank()) {
      throw new CliArgs.UsageError(
          "verify: the output folder is empty (is a shell variable unset?)");
    }
    String input = options.get("input");
    if (!folder.contains("://") && !Files.isDirectory(Path.of(folder))) {
      stderr.println(
          "splitflow: "
              + folder
              + (Files.exists(Path.of(folder))
                  ? ": not a folder; verify takes the output folder of a split"
                  : ": no such folder"));
      return FAILED;
    }
    OutputVerifier.Report report;
    if (input != null) {
      report = DeepVerify.verify(local(folder), local(input), verifyOptions());
    } else if (folder.contains("://")) {
      // No stored CRC32C comes through Beam's listing: every chunk is read for its checksums.
      report = OutputVerifier.verify(DeepVerify.store(folder, verifyOptions()), -1);
    } else {
      report = OutputVerifier.verify(new LocalFolder(Path.of(folder)), readChunks ? -1 : 0);
    }
    stdout.print(report.describe());
    if (!report.ok()) {
      stderr.println(
          "splitflow: "
              + folder
              + ": "
              + report.failures().size()
              + " check(s) failed; first: "
              + report.failures().get(0));
      return FAILED;
    }
    return OK;
  }

  private static final Map<String, CliArgs.Kind> GENERATE_FLAGS =
      Map.of(
          "batches", CliArgs.Kind.POSITIVE,
          "records", CliArgs.Kind.POSITIVE,
          "image-kib", CliArgs.Kind.POSITIVE);

  /** DirectRunner options for the recomputing verifier, as a split's. */
  private static PipelineOptions verifyOptions() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    DirectOptions direct = options.as(DirectOptions.class);
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
    return options;
  }

  private static int generate(String[] args, PrintStream stdout, PrintStream stderr)
      throws IOException {
    if (args.length == 0 || args[0].startsWith("--")) {
      return usage(stderr, "generate takes a folder first");
    }
    Map<String, String> flags =
        CliArgs.parse(
            "generate", Arrays.copyOfRange(args, 1, args.length), GENERATE_FLAGS, Set.of());
    int batches = Integer.parseInt(flags.getOrDefault("batches", "8"));
    int records = Integer.parseInt(flags.getOrDefault("records", "250"));
    int imageKib = Integer.parseInt(flags.getOrDefault("image-kib", "32"));
    if (args[0].isBlank()) {
      throw new CliArgs.UsageError("generate: the folder is empty (is a shell variable unset?)");
    }
    Path dir = Path.of(args[0]).toAbsolutePath();
    SyntheticBatch.writeDataset(dir, batches, records, imageKib * 1024, 42);
    stdout.printf(
        "wrote %d batch files of %d records (%d KiB images) to %s%n",
        batches, records, imageKib, dir);
    return OK;
  }

  private static int demo(String[] args, PrintStream stdout, PrintStream stderr)
      throws IOException {
    if (args.length > 1) {
      return usage(stderr, "demo takes at most one folder");
    }
    Path dir = Path.of(args.length == 1 ? args[0] : "demo").toAbsolutePath();
    Path batches = dir.resolve("batches");
    Path output = dir.resolve("output");
    stdout.printf("writing a synthetic chest X-ray dataset to %s%n", batches);
    SyntheticBatch.writeDataset(batches, 8, 250, 32 * 1024, 42);
    long start = System.nanoTime();
    SplitOptions options =
        options(new String[] {"--input=" + batches + "/", "--output=" + output + "/"});
    int code = runSplit(options, start, stdout, stderr);
    if (code != OK) {
      return code;
    }
    return verify(new String[] {output.toString(), "--read-chunks"}, stdout, stderr);
  }
}
