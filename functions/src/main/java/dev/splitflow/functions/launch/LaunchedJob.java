package dev.splitflow.functions.launch;

/**
 * A started (or already running) split job.
 *
 * @param jobId the runner's job id
 * @param jobName the job name that was asked for
 * @param alreadyActive true when a job of this name was already active (HTTP 409) and this is it
 * @param where where a person looks at the job: a console URL, or a local log file
 */
public record LaunchedJob(String jobId, String jobName, boolean alreadyActive, String where) {}
