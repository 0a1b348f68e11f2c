package dev.splitflow.functions.launch;

import java.nio.file.Path;

/**
 * The local launcher: runs the pipeline's shaded jar in a child process on the run's {@code gs://}
 * paths, as Dataflow runs the template, and posts the job-status event Dataflow would.
 *
 * @param pipelineJar the pipeline's {@code -all} jar
 * @param eventsUrl the verifier's URL (where job-status events go)
 * @param workDir where job logs are kept, one {@code <job name>.log} per job
 * @param storageEndpoint the Cloud Storage service the pipeline reads and writes ({@code
 *     STORAGE_EMULATOR_HOST}); null for Google's
 */
public record LocalSettings(
    Path pipelineJar, String eventsUrl, Path workDir, String storageEndpoint) {}
