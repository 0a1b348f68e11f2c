package dev.splitflow.functions;

import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.events.EventException;
import dev.splitflow.functions.events.JobEvent;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.ReadStats;
import dev.splitflow.functions.gcs.StorageClients;
import dev.splitflow.functions.launch.LaunchRequest;
import dev.splitflow.functions.log.InvokerLogFilter;
import dev.splitflow.functions.log.Log;
import dev.splitflow.functions.runs.OutputFolderClaim;
import dev.splitflow.functions.runs.RunIds;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.runs.RunStore;
import dev.splitflow.functions.runs.SummaryOnce;
import dev.splitflow.functions.summary.PubSubSummaryPublisher;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.functions.summary.SummaryPublisher;
import dev.splitflow.functions.verify.DeepCheck;
import dev.splitflow.functions.verify.Outcome;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.ManifestFormatException;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.pt.PtException;
import dev.splitflow.split.SplitException;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a finished split and publishes the run's summary. Triggered by the manifest's finalize
 * ({@code <batch folder>/split/_SPLIT_MANIFEST.json}): checks object metadata against the manifest
 * and the indices file ({@link OutputVerifier}, the same checks as {@code ./splitflow verify}), and
 * opens a sample of chunks by ranged reads. Triggered by a Dataflow job-status event: a FAILED or
 * CANCELLED job of ours (it carries the run label) yields a FAILED summary naming the job.
 */
public final class VerifySplitFunction implements CloudEventsFunction {
  private final VerifyConfig config;
  private final Layout layout;
  private final Storage storage;
  private final Clock clock;
  private final RunStore runs;
  private final SummaryOnce summaries;
  private final Log log = new Log("verify");

  static {
    // Only where the Functions Framework invoker hosts the function; harmless elsewhere.
    InvokerLogFilter.install("verify");
  }

  /** The deployed function: configuration from the environment, real clients. */
  public VerifySplitFunction() throws IOException {
    this(System.getenv());
  }

  private VerifySplitFunction(Map<String, String> env) throws IOException {
    this(VerifyConfig.fromEnv(env), env);
  }

  private VerifySplitFunction(VerifyConfig config, Map<String, String> env) throws IOException {
    this(
        config,
        StorageClients.fromEnv(env, config.layout().project()),
        PubSubSummaryPublisher.create(config.summaryTopic(), env),
        Clock.systemUTC());
  }

  /** For tests and local runs: every dependency given. */
  public VerifySplitFunction(
      VerifyConfig config, Storage storage, SummaryPublisher publisher, Clock clock) {
    this.config = config;
    this.layout = config.layout();
    this.storage = storage;
    this.clock = clock;
    this.runs = new RunStore(storage, layout.bucket(), layout.statePrefix());
    this.summaries = new SummaryOnce(runs, publisher, clock, log);
  }

  @Override
  public void accept(CloudEvent event) throws Exception {
    try {
      Optional<JobEvent> job = JobEvent.from(event, LaunchRequest.RUN_LABEL, clock);
      if (job.isPresent()) {
        onJob(job.get());
        return;
      }
      Optional<ObjectEvent> object = ObjectEvent.from(event);
      if (object.isPresent()) {
        onObject(object.get());
        return;
      }
      log.info(null, "ignored event " + event.getId() + " of type " + event.getType());
    } catch (EventException e) {
      log.error(null, e.getMessage() + "; dropped");
    }
  }

  private boolean tooOld(Instant time, String what) {
    Duration age = Duration.between(time, clock.instant());
    if (age.compareTo(config.maxEventAge()) > 0) {
      log.warn(null, what + " is " + age.toSeconds() + " s old, past the limit; dropped");
      return true;
    }
    return false;
  }

  private void onObject(ObjectEvent o) throws IOException {
    long started = System.nanoTime();
    Optional<String> folder =
        o.bucket().equals(layout.bucket()) ? layout.manifestFolder(o.name()) : Optional.empty();
    if (folder.isEmpty()) {
      log.info(null, "ignored " + o.uri() + ": not a " + Layout.MANIFEST);
      return;
    }
    if (tooOld(o.time(), "manifest event " + o.uri())) {
      return;
    }
    String output = layout.outputPrefix(folder.get());
    Manifest manifest;
    try {
      byte[] bytes =
          Gcs.call(
              () -> storage.readAllBytes(BlobId.of(o.bucket(), o.name(), o.generation())), o.uri());
      manifest = Manifest.parse(new String(bytes, StandardCharsets.UTF_8), o.uri());
    } catch (ManifestFormatException e) {
      String runId = RunIds.runId(o.bucket(), o.name(), o.generation());
      finish(runId, folder.get(), output, new Outcome.Unreadable(e.getMessage()));
      return;
    } catch (IOException e) {
      if (Failures.storageStatus(e) == 404) {
        log.warn(null, o.uri() + " was replaced or deleted before it could be read; dropped");
        return;
      }
      throw e;
    }
    String runId =
        manifest.runId() != null
            ? manifest.runId()
            : RunIds.runId(o.bucket(), o.name(), o.generation());
    Optional<RunStore.Versioned> existing = runs.get(runId);
    if (existing.isPresent()
        && existing.get().state().summary() != null
        && existing.get().state().summary().published()) {
      log.info(runId, "duplicate manifest event " + o.uri() + "; summary already published");
      return;
    }
    GcsObjectStore store = new GcsObjectStore(storage, o.bucket(), output, new ReadStats());
    OutputVerifier.Report report = OutputVerifier.verify(store, config.sampleChunks());
    log.info(
        runId,
        "verified "
            + store.location()
            + ": "
            + (report.ok() ? "OK" : report.failures().size() + " checks failed")
            + "; "
            + report.chunksOpened()
            + " chunks opened, "
            + store.stats().requests()
            + " ranged reads");
    if (config.deepCheckChunks() > 0 && report.ok() && report.manifest() != null) {
      report = deepCheck(runId, o.bucket(), folder.get(), output, report, started);
    }
    Manifest checked = report.manifest() != null ? report.manifest() : manifest;
    finish(runId, folder.get(), output, new Outcome.Checked(checked, report));
  }

  /** The option: chunks made again from the batch files, within the configured time. */
  private OutputVerifier.Report deepCheck(
      String runId,
      String bucket,
      String folder,
      String output,
      OutputVerifier.Report report,
      long started)
      throws IOException {
    DeepCheck.Result deep;
    try {
      deep =
          DeepCheck.run(
              storage,
              bucket,
              folder,
              output,
              report.manifest(),
              config.deepCheckChunks(),
              runId,
              started + config.deepCheckTime().toNanos());
    } catch (PtException | SplitException | IllegalArgumentException e) {
      List<OutputVerifier.Failure> failures = new ArrayList<>(report.failures());
      failures.add(new OutputVerifier.Failure("chunk recomputed", e.getMessage()));
      log.info(runId, "deep check could not recompute the chunks: " + e.getMessage());
      return new OutputVerifier.Report(
          report.location(), failures, report.manifest(), report.chunksOpened());
    }
    log.info(runId, deep.describe());
    List<OutputVerifier.Failure> failures = new ArrayList<>(report.failures());
    failures.addAll(deep.failures());
    return new OutputVerifier.Report(
        report.location(), failures, report.manifest(), report.chunksOpened());
  }

  private void onJob(JobEvent j) throws IOException {
    if (j.runId() == null) {
      log.info(null, "ignored status of job " + j.jobName() + ": not launched by splitflow");
      return;
    }
    if (!j.failed()) {
      log.info(
          j.runId(),
          "job "
              + j.jobName()
              + " ("
              + j.jobId()
              + ") is "
              + j.state()
              + (j.state().equals("JOB_STATE_DONE")
                  ? "; the manifest event reports the outcome"
                  : ""));
      return;
    }
    if (tooOld(j.time(), "status event of job " + j.jobId())) {
      return;
    }
    Optional<RunStore.Versioned> v = runs.get(j.runId());
    String where = v.map(x -> x.state().jobWhere()).orElse(null);
    String reason =
        "job "
            + j.jobName()
            + " ("
            + j.jobId()
            + ") ended "
            + j.state()
            + "; its errors are in the job's logs"
            + (where == null ? "" : ": " + where)
            + (j.jobId().startsWith("local-")
                ? ""
                : "; if it failed before starting, see the launcher's console logs under the"
                    + " staging location's template_launches/"
                    + j.jobId()
                    + "/");
    RunState base = v.map(RunStore.Versioned::state).orElse(null);
    String folder = base == null ? "" : base.dataset();
    String output = base == null ? "" : base.output();
    releaseClaim(j, output);
    finish(j.runId(), folder, output, new Outcome.JobEnded(j, reason));
  }

  /**
   * A failed or cancelled job writes no more: the output folder's claim it continued for its run is
   * released, so a new marker can run at once (another run's claim stays).
   */
  private void releaseClaim(JobEvent j, String output) {
    if (output == null || output.isEmpty()) {
      return;
    }
    try {
      if (OutputFolderClaim.releaseEnded(storage, layout.bucket(), output, j.runId())) {
        log.info(
            j.runId(),
            "released the claim on " + layout.uri(output) + ": job " + j.jobName() + " ended");
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          j.runId(),
          "could not release the claim on " + layout.uri(output) + ": " + e.getMessage());
    }
  }

  /**
   * Records the outcome in the run state (creating it for runs started by hand), publishes once.
   */
  private void finish(String runId, String folder, String output, Outcome outcome)
      throws IOException {
    Instant now = clock.instant();
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<RunStore.Versioned> current = runs.get(runId);
      RunStore.Versioned v;
      if (current.isEmpty()) {
        RunState fresh =
            RunState.builder()
                .runId(runId)
                .bucket(layout.bucket())
                .dataset(folder)
                .output(output)
                .status(RunState.Status.LAUNCHED)
                .jobName(outcome.job() == null ? null : outcome.job().jobName())
                .jobId(outcome.job() == null ? null : outcome.job().jobId())
                .claimedAt(now)
                .updatedAt(now)
                .build();
        Optional<RunStore.Versioned> created = runs.create(fresh);
        if (created.isEmpty()) {
          continue;
        }
        v = created.get();
      } else {
        v = current.get();
      }
      RunState s = v.state();
      if (s.summary() != null && s.summary().published()) {
        log.info(runId, "summary already published; nothing to do");
        return;
      }
      Summary summary = outcome.summary(s, layout, now);
      RunState next = outcome.next(s, summary, now);
      Optional<RunStore.Versioned> recorded = runs.replace(v, next);
      if (recorded.isEmpty()) {
        continue;
      }
      summaries.publish(recorded.get(), summary);
      return;
    }
    throw new IOException("run " + runId + ": run state kept changing; retry");
  }
}
