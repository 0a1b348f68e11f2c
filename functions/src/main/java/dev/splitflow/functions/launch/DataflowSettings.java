package dev.splitflow.functions.launch;

import java.util.Objects;

/**
 * Where and how Dataflow runs the split's Flex Template.
 *
 * @param project the Google Cloud project of the jobs
 * @param region the Dataflow regional endpoint (e.g. {@code europe-west4})
 * @param templateSpec {@code gs://} path of the Flex Template spec JSON
 * @param tempLocation {@code gs://} temp location of the jobs
 * @param stagingLocation {@code gs://} staging location (the launcher VM's console logs land here)
 * @param workerServiceAccount the e-mail of the workers' service account
 * @param maxWorkers upper bound of autoscaling (1..1000)
 * @param machineType worker machine type
 * @param launcherMachineType machine type of the Flex Template launcher VM (it runs the pipeline's
 *     main, which computes the indices the launch function left to it), or null for Dataflow's
 *     default ({@code n1-standard-1})
 * @param privateIps workers without public IPs ({@code WORKER_IP_PRIVATE})
 * @param subnetwork the workers' subnetwork (full URL for Shared VPC), or null for the default
 * @param rootUrl the API root, {@code https://dataflow.googleapis.com/} unless testing
 */
public record DataflowSettings(
    String project,
    String region,
    String templateSpec,
    String tempLocation,
    String stagingLocation,
    String workerServiceAccount,
    int maxWorkers,
    String machineType,
    String launcherMachineType,
    boolean privateIps,
    String subnetwork,
    String rootUrl) {

  public static final String DEFAULT_ROOT_URL = "https://dataflow.googleapis.com/";

  public DataflowSettings {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(templateSpec, "templateSpec");
    Objects.requireNonNull(tempLocation, "tempLocation");
    Objects.requireNonNull(stagingLocation, "stagingLocation");
    Objects.requireNonNull(workerServiceAccount, "workerServiceAccount");
    Objects.requireNonNull(machineType, "machineType");
    Objects.requireNonNull(rootUrl, "rootUrl");
  }

  /** The console page of a job, for summaries and log lines. */
  public String consoleUrl(String jobId) {
    return "https://console.cloud.google.com/dataflow/jobs/"
        + region
        + "/"
        + jobId
        + "?project="
        + project;
  }
}
