package dev.splitflow.functions.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What is known of one run, stored as JSON in its run-state object: the launch function's claim and
 * progress, and the verifier's summary. Immutable; each step writes a new version with a generation
 * precondition, so two deliveries of one event can never both take a step.
 *
 * @param runId {@link RunIds#runId}
 * @param bucket the data bucket
 * @param marker the marker object name, or null for runs started by hand
 * @param markerGeneration its generation (0 when none)
 * @param dataset the batch folder (object prefix ending in '/')
 * @param output the output folder (object prefix)
 * @param status where the run is
 * @param lease for {@link Status#CLAIMED}: until when the claiming delivery owns the launch; a
 *     redelivery after it may take over (the claimer crashed)
 * @param jobName the deterministic job name
 * @param jobId the job id once launched
 * @param jobWhere where a person looks at the job
 * @param indices what happened to the indices file (reused, computed, left to the pipeline)
 * @param stage the step that failed, for FAILED runs
 * @param reason why it failed, for a person to act on
 * @param summary the summary published for this run, if any
 * @param claimedAt when the run was claimed
 * @param launchedAt when the job was launched
 * @param updatedAt when this version was written
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunState(
    String runId,
    String bucket,
    String marker,
    long markerGeneration,
    String dataset,
    String output,
    Status status,
    Instant lease,
    String jobName,
    String jobId,
    String jobWhere,
    String indices,
    String stage,
    String reason,
    SummaryState summary,
    Instant claimedAt,
    Instant launchedAt,
    Instant updatedAt) {

  public enum Status {
    /** A delivery owns the launch until {@link #lease}. */
    CLAIMED,
    /** The job was started; the verifier reports its outcome. */
    LAUNCHED,
    /** Failed before or after launch; {@link #reason} says why. */
    FAILED,
    /** The verifier found the output complete and consistent. */
    SUCCEEDED
  }

  /**
   * The one summary of a run.
   *
   * @param status the status it reports
   * @param published false while a delivery is publishing it (until {@code lease}), true after
   * @param lease until when the publishing delivery owns it
   * @param messageId the Pub/Sub message id once published
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SummaryState(String status, boolean published, Instant lease, String messageId) {}

  public RunState withStatus(Status s, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        s,
        lease,
        jobName,
        jobId,
        jobWhere,
        indices,
        stage,
        reason,
        summary,
        claimedAt,
        launchedAt,
        now);
  }

  public RunState withLease(Instant until, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        status,
        until,
        jobName,
        jobId,
        jobWhere,
        indices,
        stage,
        reason,
        summary,
        claimedAt,
        launchedAt,
        now);
  }

  public RunState withIndices(String what, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        status,
        lease,
        jobName,
        jobId,
        jobWhere,
        what,
        stage,
        reason,
        summary,
        claimedAt,
        launchedAt,
        now);
  }

  public RunState launched(String id, String where, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        Status.LAUNCHED,
        null,
        jobName,
        id,
        where,
        indices,
        null,
        null,
        summary,
        claimedAt,
        now,
        now);
  }

  public RunState failed(String failedStage, String why, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        Status.FAILED,
        null,
        jobName,
        jobId,
        jobWhere,
        indices,
        failedStage,
        why,
        summary,
        claimedAt,
        launchedAt,
        now);
  }

  public RunState withJob(String id, String where, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        status,
        lease,
        jobName,
        id,
        where,
        indices,
        stage,
        reason,
        summary,
        claimedAt,
        launchedAt,
        now);
  }

  public RunState withSummary(SummaryState s, Instant now) {
    return new RunState(
        runId,
        bucket,
        marker,
        markerGeneration,
        dataset,
        output,
        status,
        lease,
        jobName,
        jobId,
        jobWhere,
        indices,
        stage,
        reason,
        s,
        claimedAt,
        launchedAt,
        now);
  }
}
