package dev.splitflow.functions;

import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.events.EventException;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.ReadStats;
import dev.splitflow.functions.gcs.StorageClients;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.LaunchException;
import dev.splitflow.functions.launch.LaunchRequest;
import dev.splitflow.functions.launch.LaunchedJob;
import dev.splitflow.functions.launch.LocalLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.launch.TemplateParameters;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.functions.marker.RunOptions;
import dev.splitflow.functions.runs.OutputFolderClaim;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.runs.SummaryOnce;
import dev.splitflow.functions.summary.PubSubSummaryPublisher;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.functions.summary.SummaryPublisher;
import dev.splitflow.pt.PtException;
import dev.splitflow.split.Extension;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import dev.splitflow.split.VersionScan;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cloud Storage finalize of a marker ({@code <batch folder>/_BATCHES_COMPLETE}) in, one split job
 * out: claims the run (exactly once per marker generation), reads the marker's options, makes sure
 * {@code stratification_indices.json} exists and matches the batch files, and launches the Flex
 * Template.
 *
 * <p>Retry discipline: it throws only for failures a later attempt can fix (Cloud Storage or
 * Dataflow 429/5xx, timeouts), so the platform redelivers; everything else (a bad marker, bad batch
 * files, Dataflow 400/403) ends the run as FAILED with one summary on Pub/Sub, and returns.
 */
public final class LaunchSplitFunction implements CloudEventsFunction {
  /** How long a claiming delivery owns a run: past the 540 s event timeout, plus margin. */
  static final Duration CLAIM_LEASE = Duration.ofSeconds(600);

  /** How long a duplicate delivery waits for the claimer to finish before asking for a retry. */
  static final Duration DUPLICATE_WAIT = Duration.ofSeconds(30);

  /** Batch files scanned at once for the indices; each scan is a few ranged reads. */
  static final int SCAN_THREADS = 32;

  private final LaunchConfig config;
  private final Layout layout;
  private final Storage storage;
  private final SplitLauncher launcher;
  private final SummaryPublisher publisher;
  private final Clock clock;
  private final Duration duplicateWait;
  private final RunStore runs;
  private final SummaryOnce summaries;
  private final Log log = new Log("launch");

  static {
    // Only where the Functions Framework invoker hosts the function; harmless elsewhere.
    InvokerLogFilter.install("launch");
  }

  /** The deployed function: configuration from the environment, real clients. */
  public LaunchSplitFunction() throws IOException {
    this(System.getenv());
  }

  private LaunchSplitFunction(Map<String, String> env) throws IOException {
    this(LaunchConfig.fromEnv(env), env);
  }

  private LaunchSplitFunction(LaunchConfig config, Map<String, String> env) throws IOException {
    this(config, StorageClients.fromEnv(env, config.layout().project()), env);
  }

  private LaunchSplitFunction(LaunchConfig config, Storage storage, Map<String, String> env)
      throws IOException {
    this(
        config,
        storage,
        config.launcher() == LaunchConfig.Launcher.DATAFLOW
            ? DataflowLauncher.create(config.dataflow())
            : new LocalLauncher(config.local()),
        PubSubSummaryPublisher.create(config.summaryTopic(), env),
        Clock.systemUTC(),
        DUPLICATE_WAIT);
  }

  /** For tests and local runs: every dependency given. */
  public LaunchSplitFunction(
      LaunchConfig config,
      Storage storage,
      SplitLauncher launcher,
      SummaryPublisher publisher,
      Clock clock,
      Duration duplicateWait) {
    this.config = config;
    this.layout = config.layout();
    this.storage = storage;
    this.launcher = launcher;
    this.publisher = publisher;
    this.clock = clock;
    this.duplicateWait = duplicateWait;
    this.runs = new RunStore(storage, layout.bucket(), layout.statePrefix());
    this.summaries = new SummaryOnce(runs, publisher, clock, log);
  }

  /**
   * Handles one event. A failure worth a retry leaves as a {@link RetryLater} carrying one line
   * (what failed, and why), without a stack trace or causes: the Functions Framework logs what
   * escapes with its trace, and a storage outage would otherwise log a couple of hundred lines per
   * delivery. Bugs (runtime exceptions) keep their trace.
   */
  @Override
  public void accept(CloudEvent event) throws Exception {
    try {
      handle(event);
    } catch (IOException e) {
      throw RetryLater.of(e);
    }
  }

  private void handle(CloudEvent event) throws Exception {
    ObjectEvent o;
    try {
      Optional<ObjectEvent> parsed = ObjectEvent.from(event);
      if (parsed.isEmpty()) {
        log.info(null, "ignored event " + event.getId() + " of type " + event.getType());
        return;
      }
      o = parsed.get();
    } catch (EventException e) {
      log.error(null, e.getMessage() + "; dropped");
      return;
    }
    Optional<String> folder =
        o.bucket().equals(layout.bucket()) ? layout.markerFolder(o.name()) : Optional.empty();
    if (folder.isEmpty()) {
      log.info(null, "ignored " + o.uri() + ": not a " + layout.markerName() + " marker");
      return;
    }
    String runId = RunIds.runId(o.bucket(), o.name(), o.generation());
    Duration age = Duration.between(o.time(), clock.instant());
    if (age.compareTo(config.maxEventAge()) > 0) {
      giveUp(runId, o, age);
      return;
    }
    Optional<RunStore.Versioned> claimed;
    try {
      claimed = claim(runId, o, folder.get());
    } catch (IOException e) {
      if (e instanceof RetryLater
          || Gcs.retryable(e)
          || !(e.getCause() instanceof StorageException)) {
        throw e;
      }
      // The run state cannot be written (typically 403: a missing grant). Without it there is no
      // exactly-once, so say so now, on every delivery, rather than retry for nothing.
      unclaimable(runId, o, folder.get(), e);
      return;
    }
    if (claimed.isEmpty()) {
      return;
    }
    run(claimed.get(), o);
  }

  /** An event older than the limit: dropped; a run it left unfinished ends FAILED. */
  private void giveUp(String runId, ObjectEvent o, Duration age) throws IOException {
    String why =
        "marker event "
            + o.uri()
            + " is "
            + age.toSeconds()
            + " s old, past "
            + LaunchConfig.MAX_EVENT_AGE_SECONDS
            + "="
            + config.maxEventAge().toSeconds();
    Optional<RunStore.Versioned> v = runs.get(runId);
    if (v.isEmpty() || v.get().state().status() != RunState.Status.CLAIMED) {
      log.warn(runId, why + "; dropped");
      return;
    }
    RunState s = v.get().state();
    String reason =
        "gave up: "
            + why
            + (s.reason() == null ? "" : "; last error: " + s.reason())
            + ". Fix the cause, then write the marker again to start a new run.";
    Optional<RunStore.Versioned> f = runs.replace(v.get(), s.failed("launch", reason, now()));
    if (f.isPresent()) {
      summaries.publish(f.get(), failedSummary(f.get().state()));
    }
  }

  /**
   * Claims the run for this delivery, or decides there is nothing to do (another delivery has it,
   * or it is over). Throws for a retry when another delivery holds a live claim that does not
   * finish within {@link #DUPLICATE_WAIT}: if that delivery crashed, the retry takes over once its
   * lease runs out.
   */
  private Optional<RunStore.Versioned> claim(String runId, ObjectEvent o, String folder)
      throws IOException, InterruptedException {
    Instant now = now();
    RunState initial =
        RunState.builder()
            .runId(runId)
            .bucket(o.bucket())
            .marker(o.name())
            .markerGeneration(o.generation())
            .dataset(folder)
            .output(layout.outputPrefix(folder))
            .status(RunState.Status.CLAIMED)
            .lease(now.plus(CLAIM_LEASE))
            .jobName(RunIds.jobName(folder, runId))
            .claimedAt(now)
            .updatedAt(now)
            .build();
    // Real time, not the clock: the wait is for another delivery to make progress.
    long waitUntil = System.nanoTime() + duplicateWait.toNanos();
    while (true) {
      Optional<RunStore.Versioned> created = runs.create(initial);
      if (created.isPresent()) {
        log.info(runId, "claimed run for " + o.uri() + " (event " + o.eventId() + ")");
        return created;
      }
      Optional<RunStore.Versioned> current = runs.get(runId);
      if (current.isEmpty()) {
        continue;
      }
      RunStore.Versioned v = current.get();
      RunState s = v.state();
      switch (s.status()) {
        case LAUNCHED, SUCCEEDED -> {
          log.info(
              runId,
              "duplicate delivery of "
                  + o.uri()
                  + ": run already "
                  + s.status()
                  + (s.jobId() == null ? "" : " (job " + s.jobId() + ")")
                  + "; nothing to do");
          return Optional.empty();
        }
        case FAILED -> {
          // A delivery that failed after recording FAILED but before publishing left this.
          summaries.publish(v, failedSummary(s));
          return Optional.empty();
        }
        case CLAIMED -> {
          Instant t = now();
          if (s.lease() == null || !s.lease().isAfter(t)) {
            Optional<RunStore.Versioned> taken =
                runs.replace(v, s.withLease(t.plus(CLAIM_LEASE), t));
            if (taken.isPresent()) {
              log.warn(
                  runId,
                  "took over run claimed at "
                      + s.claimedAt()
                      + " whose delivery did not finish (lease ran out at "
                      + s.lease()
                      + ")");
              return taken;
            }
            continue;
          }
          if (System.nanoTime() - waitUntil >= 0) {
            throw new RetryLater(
                "run "
                    + runId
                    + " is being launched by another delivery (claimed at "
                    + s.claimedAt()
                    + ", lease until "
                    + s.lease()
                    + "); retry later");
          }
          Thread.sleep(250);
        }
      }
    }
  }

  /** The claimed run: marker, batch files, indices, launch. */
  private void run(RunStore.Versioned claimed, ObjectEvent o) throws Exception {
    RunStore.Versioned v = claimed;
    RunState s = v.state();
    String stage = "marker";
    // Held from before the first change to the output folder until the job takes it over.
    OutputFolderClaim output = null;
    LaunchedJob job = null;
    try {
      if (!layout.watched(s.dataset())) {
        throw new MarkerException(
            o.uri()
                + ": marker folder '"
                + s.dataset()
                + "' lies outside the watched prefix '"
                + layout.datasetsPrefix()
                + "' ("
                + LaunchConfig.DATASETS_PREFIX
                + ")");
      }
      RunOptions options = readMarker(o).over(config.defaults());
      SplitConfig split = options.resolve();
      List<IndicesScan.Batch> batches = GcsObjectStore.batches(storage, s.bucket(), s.dataset());
      if (batches.isEmpty()) {
        throw new MarkerException(
            o.uri()
                + ": no batch files (batch_*.pt) in "
                + layout.uri(s.dataset())
                + "; write them before the marker");
      }
      if (options.expectedBatchCount() != null && batches.size() < options.expectedBatchCount()) {
        throw new MarkerException(
            o.uri()
                + ": the marker expects "
                + options.expectedBatchCount()
                + " batch files, "
                + layout.uri(s.dataset())
                + " holds "
                + batches.size()
                + "; write the missing ones, then the marker again");
      }
      stage = "indices";
      output = OutputFolderClaim.take(storage, s.bucket(), s.output(), s.runId(), s.jobName());
      String previousUri = options.previousIndicesUri(layout.uri(s.dataset()), o.uri());
      String idField = options.idFieldOrNull();
      Indices indices =
          previousUri != null || idField != null
              ? checkVersion(previousUri, idField, split, o.uri())
              : ensureIndices(s, batches, split);
      v = update(v, v.state().withIndices(indices.what(), now()));
      stage = "launch";
      Map<String, String> params =
          new LinkedHashMap<>(
              TemplateParameters.of(
                  layout.uri(s.dataset()), layout.uri(s.output()), s.runId(), split));
      if (indices.recompute()) {
        params.put(TemplateParameters.RECOMPUTE_INDICES, "true");
      }
      if (previousUri != null) {
        params.put(TemplateParameters.PREVIOUS_INDICES, previousUri);
      }
      if (idField != null) {
        params.put(TemplateParameters.ID_FIELD, idField);
      }
      job = launcher.launch(new LaunchRequest(s.runId(), s.jobName(), params, Map.of()));
      v = update(v, v.state().launched(job.jobId(), job.where(), now()));
      log.info(
          s.runId(),
          (job.alreadyActive() ? "job was already active: " : "launched job ")
              + job.jobName()
              + " ("
              + job.jobId()
              + ") "
              + job.where()
              + "; indices: "
              + indices.what());
    } catch (MarkerException | SplitException | PtException e) {
      releaseOutput(output, job, e);
      fail(v, stage, e.getMessage());
    } catch (LaunchException e) {
      releaseOutput(output, job, e);
      if (e.retryable()) {
        release(v, e);
        throw e;
      }
      fail(v, stage, e.getMessage());
    } catch (LostClaim e) {
      // Another delivery of this run owns the run now, and with it the output folder's claim.
      log.warn(s.runId(), e.getMessage());
    } catch (IOException e) {
      releaseOutput(output, job, e);
      if (Gcs.retryable(e) || !(e.getCause() instanceof StorageException)) {
        release(v, e);
        throw e;
      }
      fail(v, stage, e.getMessage());
    } catch (RuntimeException e) {
      releaseOutput(output, job, e);
      release(v, e);
      throw e;
    }
  }

  /**
   * A run that launched no job gives its output folder back (a redelivery takes it again); once a
   * job is launched, the claim is the job's to release.
   */
  private static void releaseOutput(OutputFolderClaim output, LaunchedJob job, Exception failure) {
    if (output == null || job != null) {
      return;
    }
    try {
      output.release();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private void unclaimable(String runId, ObjectEvent o, String folder, IOException e)
      throws IOException {
    String reason =
        "cannot record the run in " + runs.uri(runId) + ": " + e.getMessage() + ". " + fix(e);
    log.error(runId, "run FAILED at launch: " + reason);
    Summary summary =
        Summary.failed(
            runId,
            layout.uri(folder),
            layout.uri(layout.outputPrefix(folder)),
            "launch",
            reason,
            null,
            RunIds.jobName(folder, runId),
            null,
            Summary.Timings.of(o.time(), null, now()));
    publisher.publish(summary.toJson(), summary.attributes());
  }

  /** What to do about a run state Cloud Storage refused for good, by its answer. */
  private String fix(IOException e) {
    int status = 0;
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof StorageException s) {
        status = s.getCode();
        break;
      }
    }
    String again = "; then write the marker again.";
    return switch (status) {
      case 401, 403 ->
          "The launch function's service account needs write access to "
              + layout.uri(layout.statePrefix())
              + " ("
              + LaunchConfig.STATE_PREFIX
              + ")"
              + again;
      case 404 ->
          "Cloud Storage has no bucket "
              + layout.bucket()
              + " visible to the launch function: check "
              + LaunchConfig.BUCKET
              + " (Terraform's data_bucket_name) and that the bucket exists"
              + again;
      default ->
          "Cloud Storage refused the write (HTTP "
              + status
              + "); check that "
              + LaunchConfig.STATE_PREFIX
              + " ('"
              + layout.statePrefix()
              + "') gives valid object names in bucket "
              + layout.bucket()
              + again;
    };
  }

  private RunOptions readMarker(ObjectEvent o) throws IOException {
    byte[] content;
    try {
      content = storage.readAllBytes(BlobId.of(o.bucket(), o.name(), o.generation()));
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        throw new MarkerException(
            o.uri()
                + ": the marker was deleted or replaced before it could be read; the newer"
                + " marker (if any) starts its own run");
      }
      throw new IOException(o.uri() + ": reading the marker: " + e.getMessage(), e);
    }
    if (content.length > 64 * 1024) {
      throw new MarkerException(
          o.uri()
              + ": marker is "
              + content.length
              + " bytes; expected empty or a small JSON"
              + " object of "
              + String.join(", ", RunOptions.KEYS));
    }
    return RunOptions.parse(new String(content, StandardCharsets.UTF_8), o.uri());
  }

  /** What the indices step did, for the run state and the job's parameters. */
  private record Indices(String what, boolean recompute) {}

  /**
   * A dataset-version run ({@code previousIndices} or {@code idField} in the marker): the pipeline
   * computes the indices (it alone writes an extension); here only the previous indices are checked
   * (they exist, parse and were made with this run's settings) so a bad marker fails before a job.
   */
  private Indices checkVersion(String previousUri, String idField, SplitConfig split, String where)
      throws IOException {
    if (previousUri == null) {
      return new Indices("left to the pipeline: id field " + idField, true);
    }
    String rest = previousUri.substring("gs://".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      throw new MarkerException(where + ": previousIndices: " + previousUri + " names no object");
    }
    BlobId id = BlobId.of(rest.substring(0, slash), rest.substring(slash + 1));
    Blob blob = Gcs.call(() -> storage.get(id), previousUri);
    if (blob == null) {
      throw new MarkerException(
          where
              + ": previousIndices: "
              + previousUri
              + " does not exist; name the stratification_indices.json of the version to extend");
    }
    byte[] bytes =
        Gcs.call(
            () ->
                storage.readAllBytes(BlobId.of(id.getBucket(), id.getName(), blob.getGeneration())),
            previousUri);
    IndicesFile previous =
        IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), previousUri);
    List<String> differ = Extension.settingsDiffer(previous, split, idField);
    if (!differ.isEmpty()) {
      throw new MarkerException(
          where + ": " + VersionScan.refused(previousUri, differ).getMessage());
    }
    return new Indices(
        "left to the pipeline: extends "
            + previousUri
            + " ("
            + previous.plan().recordCount()
            + " records)",
        true);
  }

  private Indices ensureIndices(RunState s, List<IndicesScan.Batch> batches, SplitConfig split)
      throws IOException {
    String name = s.output() + IndicesFile.FILE_NAME;
    String uri = layout.uri(name);
    Blob existing = Gcs.call(() -> storage.get(BlobId.of(s.bucket(), name)), uri);
    List<String> changes = List.of();
    if (existing != null) {
      byte[] bytes =
          Gcs.call(
              () -> storage.readAllBytes(BlobId.of(s.bucket(), name, existing.getGeneration())),
              uri);
      IndicesFile old = IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), uri);
      changes = IndicesScan.differences(old, batches, split);
      if (changes.isEmpty()) {
        return new Indices(
            "reused " + uri + " (matches the " + batches.size() + " batch files)", false);
      }
    }
    String why = existing == null ? "missing" : "stale: " + String.join("; ", changes);
    if (batches.size() > config.indicesMaxBatchFiles()) {
      return new Indices(
          "left to the pipeline: "
              + why
              + "; "
              + batches.size()
              + " batch files > "
              + LaunchConfig.INDICES_MAX_BATCH_FILES
              + "="
              + config.indicesMaxBatchFiles(),
          existing != null);
    }
    long t0 = System.nanoTime();
    GcsObjectStore store = new GcsObjectStore(storage, s.bucket(), "", new ReadStats());
    IndicesFile computed = IndicesScan.compute(batches, split, store.batchOpener(), SCAN_THREADS);
    byte[] json = computed.toJson().getBytes(StandardCharsets.UTF_8);
    Gcs.call(
        () ->
            storage.create(
                BlobInfo.newBuilder(BlobId.of(s.bucket(), name))
                    .setContentType("application/json")
                    .build(),
                json),
        uri);
    return new Indices(
        String.format(
            "computed %s (%s) from %d batch files in %d ms: %d ranged reads, %d bytes",
            uri,
            why,
            batches.size(),
            (System.nanoTime() - t0) / 1_000_000,
            store.stats().requests(),
            store.stats().bytes()),
        false);
  }

  private RunStore.Versioned update(RunStore.Versioned v, RunState next) throws IOException {
    return runs.replace(v, next)
        .orElseThrow(
            () ->
                new LostClaim(
                    "run "
                        + next.runId()
                        + " was taken over by another delivery (this one"
                        + " outlived its lease); stopping without launching"));
  }

  private void fail(RunStore.Versioned v, String stage, String reason) throws IOException {
    log.error(v.state().runId(), "run FAILED at " + stage + ": " + reason);
    Optional<RunStore.Versioned> f = runs.replace(v, v.state().failed(stage, reason, now()));
    if (f.isEmpty()) {
      log.warn(v.state().runId(), "run state changed meanwhile; not publishing");
      return;
    }
    summaries.publish(f.get(), failedSummary(f.get().state()));
  }

  /** Before throwing for a retry: let the redelivery take over at once, and keep the error. */
  private void release(RunStore.Versioned v, Exception e) {
    try {
      runs.replace(v, v.state().released(e.getMessage(), now()));
    } catch (IOException | RuntimeException ignored) {
      // The lease runs out by itself.
    }
    log.warn(v.state().runId(), "will retry: " + e.getMessage());
  }

  private Summary failedSummary(RunState s) {
    return Summary.failed(
        s.runId(),
        layout.uri(s.dataset()),
        layout.uri(s.output()),
        s.stage() == null ? "launch" : s.stage(),
        s.reason(),
        s.jobId(),
        s.jobName(),
        s.jobWhere(),
        Summary.Timings.of(s.claimedAt(), s.launchedAt(), now()));
  }

  private Instant now() {
    return clock.instant();
  }

  /**
   * The platform should deliver the event again later: another delivery owns a live claim, or Cloud
   * Storage or Dataflow did not answer or asked for a retry. One line, no stack trace.
   */
  static final class RetryLater extends IOException {
    RetryLater(String message) {
      super(message);
    }

    /** The failure as one line, with its innermost cause when the message does not name it. */
    static RetryLater of(IOException e) {
      if (e instanceof RetryLater r) {
        return r;
      }
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
        message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
      }
      return new RetryLater(message.lines().findFirst().orElse(message) + "; will retry");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // the message says it all; see accept()
    }
  }

  /** This delivery lost its claim (it outlived its lease); it stops without side effects. */
  private static final class LostClaim extends IOException {
    LostClaim(String message) {
      super(message);
    }
  }
}
