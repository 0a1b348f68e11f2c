package dev.splitflow.functions.launch;

import java.util.Map;
import java.util.Objects;

/**
 * One split job to start.
 *
 * @param runId the run this job belongs to; carried as the {@code splitflow_run} label so the
 *     job-status event can be tied back to the run
 * @param jobName deterministic Dataflow job name ({@code [a-z]([-a-z0-9]*[a-z0-9])?})
 * @param parameters Flex Template parameters, names as in the pipeline's {@code metadata.json}
 * @param labels extra labels for the job (the run label is added by the launcher)
 */
public record LaunchRequest(
    String runId, String jobName, Map<String, String> parameters, Map<String, String> labels) {

  /** The job label that carries the run id. */
  public static final String RUN_LABEL = "splitflow_run";

  public LaunchRequest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(jobName, "jobName");
    parameters = Map.copyOf(parameters);
    labels = Map.copyOf(labels);
  }
}
