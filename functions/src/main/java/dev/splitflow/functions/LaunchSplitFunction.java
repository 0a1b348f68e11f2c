package dev.splitflow.functions;

import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.events.EventException;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.StorageClients;
import dev.splitflow.functions.indices.IndicesStep;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.launch.LaunchException;
import dev.splitflow.functions.launch.LaunchRequest;
import dev.splitflow.functions.launch.LaunchedJob;
import dev.splitflow.functions.launch.LocalLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.launch.TemplateParameters;
import dev.splitflow.functions.log.InvokerLogFilter;
import dev.splitflow.functions.log.Log;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.functions.marker.MarkerFile;
import dev.splitflow.functions.marker.RunOptions;
import dev.splitflow.functions.runs.OutputFolderClaim;
import dev.splitflow.functions.runs.RunClaim;
import dev.splitflow.functions.runs.RunClaims;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.runs.SummaryOnce;
import dev.splitflow.functions.summary.PubSubSummaryPublisher;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.functions.summary.SummaryPublisher;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import io.cloudevents.CloudEvent;
import java.io.IOException;
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

  private final LaunchConfig config;
  private final Layout layout;
  private final Storage storage;
  private final SplitLauncher launcher;
  private final SummaryPublisher publisher;
  private final Clock clock;
  private final RunStore runs;
  private final RunClaims claims;
  private final IndicesStep indicesStep;
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
    this.runs = new RunStore(storage, layout.bucket(), layout.statePrefix());
    SummaryOnce summaries = new SummaryOnce(runs, publisher, clock, log);
    this.claims =
        new RunClaims(runs, summaries, this::failedSummary, clock, log, CLAIM_LEASE, duplicateWait);
    this.indicesStep = new IndicesStep(storage, layout, config.indicesMaxBatchFiles());
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
    Optional<RunClaim> claimed;
    try {
      claimed = claims.claim(initialState(runId, o, folder.get()), o.uri(), o.eventId());
    } catch (RunClaims.Busy e) {
      throw new RetryLater(e.getMessage());
    } catch (IOException e) {
      if (Failures.retryable(e)) {
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
    claims.giveUp(runId, why);
  }

  /** The run this delivery would claim: CLAIMED, named after its marker generation. */
  private RunState initialState(String runId, ObjectEvent o, String folder) {
    Instant now = now();
    return RunState.builder()
        .runId(runId)
        .bucket(o.bucket())
        .marker(o.name())
        .markerGeneration(o.generation())
        .dataset(folder)
        .output(layout.outputPrefix(folder))
        .status(RunState.Status.CLAIMED)
        .jobName(RunIds.jobName(folder, runId))
        .claimedAt(now)
        .updatedAt(now)
        .build();
  }

  /**
   * The claimed run, in stages: marker, batch files, output folder claim, indices, launch. A stage
   * that fails for good ends the run FAILED at that stage; one worth a retry releases the run and
   * throws.
   */
  private void run(RunClaim claim, ObjectEvent o) throws Exception {
    RunState s = claim.state();
    String stage = "marker";
    // Held from before the first change to the output folder until the job takes it over.
    OutputFolderClaim output = null;
    LaunchedJob job = null;
    try {
      RunOptions options = markerOptions(s, o);
      SplitConfig split = options.resolve();
      List<IndicesScan.Batch> batches = batches(s, o, options);
      stage = "indices";
      output = OutputFolderClaim.take(storage, s.bucket(), s.output(), s.runId(), s.jobName());
      String previousUri = options.previousIndicesUri(layout.uri(s.dataset()), o.uri());
      String idField = options.idFieldOrNull();
      IndicesStep.Indices indices =
          indicesStep.run(s.bucket(), s.output(), batches, split, previousUri, idField, o.uri());
      claim.update(claim.state().withIndices(indices.what(), now()));
      stage = "launch";
      job = launch(s, split, indices, previousUri, idField);
      claim.update(claim.state().launched(job.jobId(), job.where(), now()));
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
    } catch (RunClaim.Lost e) {
      // Another delivery of this run owns the run now, and with it the output folder's claim.
      log.warn(s.runId(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      releaseOutput(output, job, e);
      if (Failures.retryable(e)) {
        claim.release(e);
        throw e;
      }
      claim.fail(stage, e.getMessage());
    }
  }

  /** The marker stage: the marker lies in the watched folder and holds valid options. */
  private RunOptions markerOptions(RunState s, ObjectEvent o) throws IOException {
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
    BlobId marker = BlobId.of(o.bucket(), o.name(), o.generation());
    return MarkerFile.read(storage, marker, o.uri()).over(config.defaults());
  }

  /** The batch files the marker announces: at least one, and as many as it expects. */
  private List<IndicesScan.Batch> batches(RunState s, ObjectEvent o, RunOptions options)
      throws IOException {
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
    return batches;
  }

  /** The launch stage: the job's parameters, and the launch. */
  private LaunchedJob launch(
      RunState s,
      SplitConfig split,
      IndicesStep.Indices indices,
      String previousUri,
      String idField)
      throws LaunchException {
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
    return launcher.launch(new LaunchRequest(s.runId(), s.jobName(), params, Map.of()));
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
        Summary.failedBuilder()
            .runId(runId)
            .dataset(layout.uri(folder))
            .output(layout.uri(layout.outputPrefix(folder)))
            .stage("launch")
            .reason(reason)
            .job(null, RunIds.jobName(folder, runId), null)
            .timings(Summary.Timings.of(o.time(), null, now()))
            .build();
    publisher.publish(summary.toJson(), summary.attributes());
  }

  /** What to do about a run state Cloud Storage refused for good, by its answer. */
  private String fix(IOException e) {
    // A failure that is not retryable came from a Cloud Storage answer (Failures.retryable).
    int status = Failures.storageStatus(e);
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

  private Summary failedSummary(RunState s) {
    return Summary.failedBuilder()
        .runId(s.runId())
        .dataset(layout.uri(s.dataset()))
        .output(layout.uri(s.output()))
        .stage(s.stage() == null ? "launch" : s.stage())
        .reason(s.reason())
        .job(s.jobId(), s.jobName(), s.jobWhere())
        .timings(Summary.Timings.of(s.claimedAt(), s.launchedAt(), now()))
        .build();
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
}
