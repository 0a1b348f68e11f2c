package dev.splitflow.functions.config;

import dev.splitflow.functions.gcs.StorageClients;
import dev.splitflow.functions.launch.DataflowSettings;
import dev.splitflow.functions.launch.LocalSettings;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.functions.marker.RunOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything {@code LaunchSplitFunction} reads from its environment, validated at start-up. Tests
 * build one from their own map; the deployed function from {@code System.getenv()}.
 *
 * @param layout where markers, batches, outputs and run state live
 * @param summaryTopic {@code projects/P/topics/T}
 * @param maxEventAge events older than this are dropped, so a poisoned event cannot retry for a day
 * @param indicesMaxBatchFiles above this many batch files the function leaves the indices to the
 *     pipeline instead of computing them itself
 * @param defaults the deployment's run options; a marker's JSON overrides them
 * @param launcher which launcher starts jobs
 * @param dataflow Dataflow settings (null for the local launcher)
 * @param local local launcher settings (null for Dataflow)
 */
public record LaunchConfig(
    Layout layout,
    String summaryTopic,
    Duration maxEventAge,
    int indicesMaxBatchFiles,
    RunOptions defaults,
    Launcher launcher,
    DataflowSettings dataflow,
    LocalSettings local) {

  /**
   * What starts the split job: Dataflow in the cloud, or the pipeline's jar locally ({@code
   * LocalSettings}).
   */
  public enum Launcher {
    DATAFLOW,
    LOCAL
  }

  public static final String PROJECT = "SPLITFLOW_PROJECT";
  public static final String REGION = "SPLITFLOW_REGION";
  public static final String BUCKET = "SPLITFLOW_BUCKET";
  public static final String DATASETS_PREFIX = "SPLITFLOW_DATASETS_PREFIX";
  public static final String MARKER_NAME = "SPLITFLOW_MARKER_NAME";
  public static final String OUTPUT_FOLDER = "SPLITFLOW_OUTPUT_FOLDER";
  public static final String STATE_PREFIX = "SPLITFLOW_STATE_PREFIX";
  public static final String SUMMARY_TOPIC = "SPLITFLOW_SUMMARY_TOPIC";
  public static final String MAX_EVENT_AGE_SECONDS = "SPLITFLOW_MAX_EVENT_AGE_SECONDS";
  public static final String INDICES_MAX_BATCH_FILES = "SPLITFLOW_INDICES_MAX_BATCH_FILES";
  public static final String DEFAULT_OPTIONS = "SPLITFLOW_DEFAULT_OPTIONS";
  public static final String LAUNCHER = "SPLITFLOW_LAUNCHER";
  public static final String TEMPLATE_SPEC = "SPLITFLOW_TEMPLATE_SPEC";
  public static final String TEMP_LOCATION = "SPLITFLOW_TEMP_LOCATION";
  public static final String STAGING_LOCATION = "SPLITFLOW_STAGING_LOCATION";
  public static final String WORKER_SERVICE_ACCOUNT = "SPLITFLOW_WORKER_SERVICE_ACCOUNT";
  public static final String MAX_WORKERS = "SPLITFLOW_MAX_WORKERS";
  public static final String MACHINE_TYPE = "SPLITFLOW_MACHINE_TYPE";
  public static final String LAUNCHER_MACHINE_TYPE = "SPLITFLOW_LAUNCHER_MACHINE_TYPE";
  public static final String PRIVATE_IPS = "SPLITFLOW_PRIVATE_IPS";
  public static final String SUBNETWORK = "SPLITFLOW_SUBNETWORK";
  public static final String DATAFLOW_ENDPOINT = "SPLITFLOW_DATAFLOW_ENDPOINT";
  public static final String LOCAL_PIPELINE_JAR = "SPLITFLOW_LOCAL_PIPELINE_JAR";
  public static final String LOCAL_EVENTS_URL = "SPLITFLOW_LOCAL_EVENTS_URL";
  public static final String LOCAL_WORK_DIR = "SPLITFLOW_LOCAL_WORK_DIR";

  /** The Cloud Storage service to use instead of Google's; the local launcher passes it on. */
  public static final String STORAGE_EMULATOR_HOST = StorageClients.EMULATOR_HOST;

  /** The variables a cloud deployment sets (Terraform sets exactly these). */
  public static final List<String> DEPLOYED_VARIABLES =
      List.of(
          PROJECT,
          REGION,
          BUCKET,
          DATASETS_PREFIX,
          MARKER_NAME,
          OUTPUT_FOLDER,
          STATE_PREFIX,
          SUMMARY_TOPIC,
          MAX_EVENT_AGE_SECONDS,
          INDICES_MAX_BATCH_FILES,
          DEFAULT_OPTIONS,
          LAUNCHER,
          TEMPLATE_SPEC,
          TEMP_LOCATION,
          STAGING_LOCATION,
          WORKER_SERVICE_ACCOUNT,
          MAX_WORKERS,
          MACHINE_TYPE,
          LAUNCHER_MACHINE_TYPE,
          PRIVATE_IPS,
          SUBNETWORK);

  /** Variables only local runs and tests set. */
  public static final List<String> LOCAL_VARIABLES =
      List.of(
          DATAFLOW_ENDPOINT,
          LOCAL_PIPELINE_JAR,
          LOCAL_EVENTS_URL,
          LOCAL_WORK_DIR,
          STORAGE_EMULATOR_HOST);

  public static final String DEFAULT_MACHINE_TYPE = "n2-standard-4";

  /** Compute Engine machine type names, as Terraform's variable validation has them. */
  private static final Pattern MACHINE_TYPE_PATTERN = Pattern.compile("[a-z][a-z0-9]*-[a-z0-9-]+");

  /** Reads and validates every variable; throws naming all missing or bad ones. */
  public static LaunchConfig fromEnv(Map<String, String> env) {
    Env e = new Env(env);
    Layout layout = Layout.read(e);
    String topic = e.topic(SUMMARY_TOPIC);
    Duration age = e.seconds(MAX_EVENT_AGE_SECONDS, 3600, 60, 7 * 24 * 3600);
    int indicesMax = e.integer(INDICES_MAX_BATCH_FILES, 2000, 0, 1_000_000);
    RunOptions defaults = RunOptions.NONE;
    String json = e.optional(DEFAULT_OPTIONS, null);
    if (json != null) {
      try {
        defaults = RunOptions.parse(json, DEFAULT_OPTIONS);
        if (defaults.expectedBatchCount() != null) {
          e.problems().add(DEFAULT_OPTIONS + ": expectedBatchCount belongs in a marker, not here");
        }
        if (defaults.previousIndices() != null) {
          e.problems().add(DEFAULT_OPTIONS + ": previousIndices belongs in a marker, not here");
        }
      } catch (MarkerException ex) {
        e.problems().add(ex.getMessage());
      }
    }
    String kind = e.optional(LAUNCHER, "dataflow");
    Launcher launcher = null;
    DataflowSettings dataflow = null;
    LocalSettings local = null;
    switch (kind) {
      case "dataflow" -> {
        launcher = Launcher.DATAFLOW;
        String project = layout.project();
        String region = layout.region();
        String spec = e.gcsUri(TEMPLATE_SPEC, "the Flex Template spec JSON", true);
        String temp = e.gcsUri(TEMP_LOCATION, "Dataflow temp location", true);
        String staging = e.gcsUri(STAGING_LOCATION, "Dataflow staging location", true);
        String sa = e.required(WORKER_SERVICE_ACCOUNT, "e-mail of the Dataflow workers' account");
        if (sa != null && !sa.matches("[^@\\s]+@[^@\\s]+\\.iam\\.gserviceaccount\\.com")) {
          e.problems()
              .add(WORKER_SERVICE_ACCOUNT + " must be a service account e-mail, got '" + sa + "'");
        }
        int maxWorkers = e.integer(MAX_WORKERS, 10, 1, 1000);
        String machine = e.optional(MACHINE_TYPE, DEFAULT_MACHINE_TYPE);
        String launcherMachine = e.optional(LAUNCHER_MACHINE_TYPE, null);
        for (String[] m :
            new String[][] {{MACHINE_TYPE, machine}, {LAUNCHER_MACHINE_TYPE, launcherMachine}}) {
          if (m[1] != null && !MACHINE_TYPE_PATTERN.matcher(m[1]).matches()) {
            e.problems()
                .add(
                    m[0]
                        + " must be a Compute Engine machine type such as n2-standard-4, got '"
                        + m[1]
                        + "'");
          }
        }
        boolean privateIps = e.bool(PRIVATE_IPS, true);
        String subnetwork = e.optional(SUBNETWORK, null);
        String root = e.url(DATAFLOW_ENDPOINT, DataflowSettings.DEFAULT_ROOT_URL);
        if (e.problems().isEmpty()) {
          dataflow =
              new DataflowSettings(
                  project,
                  region,
                  spec,
                  temp,
                  staging,
                  sa,
                  maxWorkers,
                  machine,
                  launcherMachine,
                  privateIps,
                  subnetwork,
                  root.endsWith("/") ? root : root + "/");
        }
      }
      case "local" -> {
        launcher = Launcher.LOCAL;
        String jar =
            e.required(LOCAL_PIPELINE_JAR, "the pipeline's -all jar the local launcher runs");
        String url = e.url(LOCAL_EVENTS_URL, null);
        if (url == null) {
          e.problems().add(LOCAL_EVENTS_URL + " is not set (the verifier's URL, for local runs)");
        }
        String work =
            e.optional(LOCAL_WORK_DIR, System.getProperty("java.io.tmpdir") + "/splitflow-local");
        String storage = e.optional(STORAGE_EMULATOR_HOST, null);
        if (jar != null && url != null) {
          local = new LocalSettings(Path.of(jar), url, Path.of(work), storage);
        }
      }
      default -> e.problems().add(LAUNCHER + " must be dataflow or local, got '" + kind + "'");
    }
    if (!e.problems().isEmpty()) {
      throw new ConfigException("LaunchSplitFunction", e.problems());
    }
    return new LaunchConfig(layout, topic, age, indicesMax, defaults, launcher, dataflow, local);
  }
}
