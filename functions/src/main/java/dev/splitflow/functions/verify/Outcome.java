package dev.splitflow.functions.verify;

import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.events.JobEvent;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import java.time.Instant;

/**
 * How a run ended, as the verify function learned it: an output it checked, a manifest it could not
 * read, or a job that ended without success. Each kind knows its summary and the run state it
 * leaves, so recording and publishing it is one path for all three.
 */
public sealed interface Outcome {
  /** The run's summary, from the run state {@code s} as recorded. */
  Summary summary(RunState s, Layout layout, Instant now);

  /** The run state after this outcome; {@code summary} is {@link #summary}'s. */
  RunState next(RunState s, Summary summary, Instant now);

  /** The job that ended, for a run state this outcome creates (a run started by hand); or null. */
  default JobEvent job() {
    return null;
  }

  /**
   * The output was checked: SUCCEEDED when every check passed, FAILED at verify otherwise.
   *
   * @param manifest the manifest the checks read
   * @param report the checks' report
   */
  record Checked(Manifest manifest, OutputVerifier.Report report) implements Outcome {
    @Override
    public Summary summary(RunState s, Layout layout, Instant now) {
      return Summary.verified(
          s.runId(),
          layout.uri(s.dataset()),
          layout.uri(s.output()),
          manifest,
          report,
          s.jobId(),
          s.jobName(),
          s.jobWhere(),
          Summary.Timings.of(s.claimedAt(), s.launchedAt(), now));
    }

    @Override
    public RunState next(RunState s, Summary summary, Instant now) {
      return report.ok()
          ? s.withStatus(RunState.Status.SUCCEEDED, now)
          : s.failed("verify", summary.reason(), now);
    }
  }

  /**
   * The manifest could not be read as one: FAILED at verify.
   *
   * @param reason what is wrong with it
   */
  record Unreadable(String reason) implements Outcome {
    @Override
    public Summary summary(RunState s, Layout layout, Instant now) {
      return failed(s, layout, "verify", reason, s.jobId(), s.jobName(), now);
    }

    @Override
    public RunState next(RunState s, Summary summary, Instant now) {
      return s.failed("verify", reason, now);
    }
  }

  /**
   * The run's job ended FAILED or CANCELLED: FAILED at job, naming the job.
   *
   * @param job the job's status event
   * @param reason what ended and where its errors are
   */
  record JobEnded(JobEvent job, String reason) implements Outcome {
    @Override
    public Summary summary(RunState s, Layout layout, Instant now) {
      return failed(s, layout, "job", reason, job.jobId(), job.jobName(), now);
    }

    @Override
    public RunState next(RunState s, Summary summary, Instant now) {
      return s.failed("job", reason, now).withJob(job.jobId(), s.jobWhere(), now);
    }
  }

  private static Summary failed(
      RunState s,
      Layout layout,
      String stage,
      String reason,
      String jobId,
      String jobName,
      Instant now) {
    return Summary.failedBuilder()
        .runId(s.runId())
        .dataset(layout.uri(s.dataset()))
        .output(layout.uri(s.output()))
        .stage(stage)
        .reason(reason)
        .job(jobId, jobName, s.jobWhere())
        .timings(Summary.Timings.of(s.claimedAt(), s.launchedAt(), now))
        .build();
  }
}
