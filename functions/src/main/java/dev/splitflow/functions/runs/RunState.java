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

  /** Where a run is: each value is a state the run-state object can be written in. */
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
    return toBuilder().status(s).updatedAt(now).build();
  }

  public RunState withLease(Instant until, Instant now) {
    return toBuilder().lease(until).updatedAt(now).build();
  }

  public RunState withIndices(String what, Instant now) {
    return toBuilder().indices(what).updatedAt(now).build();
  }

  public RunState launched(String id, String where, Instant now) {
    return toBuilder()
        .status(Status.LAUNCHED)
        .lease(null)
        .jobId(id)
        .jobWhere(where)
        .stage(null)
        .reason(null)
        .launchedAt(now)
        .updatedAt(now)
        .build();
  }

  public RunState failed(String failedStage, String why, Instant now) {
    return toBuilder()
        .status(Status.FAILED)
        .lease(null)
        .stage(failedStage)
        .reason(why)
        .updatedAt(now)
        .build();
  }

  /** Still claimed, but free for the next delivery to take over at once; keeps the error. */
  public RunState released(String why, Instant now) {
    return toBuilder().lease(now).stage(null).reason(why).updatedAt(now).build();
  }

  public RunState withJob(String id, String where, Instant now) {
    return toBuilder().jobId(id).jobWhere(where).updatedAt(now).build();
  }

  public RunState withSummary(SummaryState s, Instant now) {
    return toBuilder().summary(s).updatedAt(now).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A run state field by field; unset fields are null (0 for the generation). */
  public static Builder builder() {
    return new Builder();
  }

  /** Mutable, for making the next version of a run state. */
  public static final class Builder {
    private String runId;
    private String bucket;
    private String marker;
    private long markerGeneration;
    private String dataset;
    private String output;
    private Status status;
    private Instant lease;
    private String jobName;
    private String jobId;
    private String jobWhere;
    private String indices;
    private String stage;
    private String reason;
    private SummaryState summary;
    private Instant claimedAt;
    private Instant launchedAt;
    private Instant updatedAt;

    private Builder() {}

    private Builder(RunState s) {
      runId = s.runId;
      bucket = s.bucket;
      marker = s.marker;
      markerGeneration = s.markerGeneration;
      dataset = s.dataset;
      output = s.output;
      status = s.status;
      lease = s.lease;
      jobName = s.jobName;
      jobId = s.jobId;
      jobWhere = s.jobWhere;
      indices = s.indices;
      stage = s.stage;
      reason = s.reason;
      summary = s.summary;
      claimedAt = s.claimedAt;
      launchedAt = s.launchedAt;
      updatedAt = s.updatedAt;
    }

    public Builder runId(String v) {
      runId = v;
      return this;
    }

    public Builder bucket(String v) {
      bucket = v;
      return this;
    }

    public Builder marker(String v) {
      marker = v;
      return this;
    }

    public Builder markerGeneration(long v) {
      markerGeneration = v;
      return this;
    }

    public Builder dataset(String v) {
      dataset = v;
      return this;
    }

    public Builder output(String v) {
      output = v;
      return this;
    }

    public Builder status(Status v) {
      status = v;
      return this;
    }

    public Builder lease(Instant v) {
      lease = v;
      return this;
    }

    public Builder jobName(String v) {
      jobName = v;
      return this;
    }

    public Builder jobId(String v) {
      jobId = v;
      return this;
    }

    public Builder jobWhere(String v) {
      jobWhere = v;
      return this;
    }

    public Builder indices(String v) {
      indices = v;
      return this;
    }

    public Builder stage(String v) {
      stage = v;
      return this;
    }

    public Builder reason(String v) {
      reason = v;
      return this;
    }

    public Builder summary(SummaryState v) {
      summary = v;
      return this;
    }

    public Builder claimedAt(Instant v) {
      claimedAt = v;
      return this;
    }

    public Builder launchedAt(Instant v) {
      launchedAt = v;
      return this;
    }

    public Builder updatedAt(Instant v) {
      updatedAt = v;
      return this;
    }

    public RunState build() {
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
          summary,
          claimedAt,
          launchedAt,
          updatedAt);
    }
  }
}
