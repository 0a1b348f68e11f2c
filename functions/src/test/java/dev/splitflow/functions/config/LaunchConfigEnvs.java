package dev.splitflow.functions.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

/**
 * Environments for the {@link LaunchConfig} tests: a full and a minimal Dataflow one, a local one,
 * a copy with one variable changed, and the one problem an environment must be refused for.
 */
final class LaunchConfigEnvs {
  private LaunchConfigEnvs() {}

  /** Every variable of a cloud deployment, set to valid values. */
  static Map<String, String> dataflowEnv() {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "my-project");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, "my-data");
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.MARKER_NAME, "_READY");
    env.put(LaunchConfig.OUTPUT_FOLDER, "out/v1/");
    env.put(LaunchConfig.STATE_PREFIX, "_splitflow/state/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/my-project/topics/splitflow-summaries");
    env.put(LaunchConfig.MAX_EVENT_AGE_SECONDS, "1800");
    env.put(LaunchConfig.INDICES_MAX_BATCH_FILES, "500");
    env.put(
        LaunchConfig.DEFAULT_OPTIONS,
        "{\"seed\": 7, \"chunkSize\": 100, \"strataFields\": \"view_position\"}");
    env.put(LaunchConfig.LAUNCHER, "dataflow");
    env.put(LaunchConfig.TEMPLATE_SPEC, "gs://my-templates/splitflow/spec.json");
    env.put(LaunchConfig.TEMP_LOCATION, "gs://my-data-temp/temp");
    env.put(LaunchConfig.STAGING_LOCATION, "gs://my-data-temp/staging/");
    env.put(
        LaunchConfig.WORKER_SERVICE_ACCOUNT, "splitflow-worker@my-project.iam.gserviceaccount.com");
    env.put(LaunchConfig.MAX_WORKERS, "25");
    env.put(LaunchConfig.MACHINE_TYPE, "n2-highmem-8");
    env.put(LaunchConfig.LAUNCHER_MACHINE_TYPE, "n2-standard-8");
    env.put(LaunchConfig.PRIVATE_IPS, "false");
    env.put(
        LaunchConfig.SUBNETWORK,
        "https://www.googleapis.com/compute/v1/projects/host/regions/europe-west4/subnetworks/s");
    return env;
  }

  /** Only what is required for Dataflow. */
  static Map<String, String> minimalDataflowEnv() {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "my-project");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, "my-data");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/my-project/topics/summaries");
    env.put(LaunchConfig.TEMPLATE_SPEC, "gs://my-templates/spec.json");
    env.put(LaunchConfig.TEMP_LOCATION, "gs://my-data-temp/temp");
    env.put(LaunchConfig.STAGING_LOCATION, "gs://my-data-temp/staging");
    env.put(LaunchConfig.WORKER_SERVICE_ACCOUNT, "w@my-project.iam.gserviceaccount.com");
    return env;
  }

  static Map<String, String> localEnv() {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "local-project");
    env.put(LaunchConfig.REGION, "local");
    env.put(LaunchConfig.BUCKET, "local-bucket");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/local-project/topics/summaries");
    env.put(LaunchConfig.LAUNCHER, "local");
    env.put(LaunchConfig.LOCAL_PIPELINE_JAR, "/opt/splitflow/pipeline-all.jar");
    env.put(LaunchConfig.LOCAL_EVENTS_URL, "http://localhost:8081/");
    env.put(LaunchConfig.LOCAL_WORK_DIR, "/tmp/sf-work");
    return env;
  }

  static Map<String, String> with(Map<String, String> env, String k, String v) {
    Map<String, String> m = new HashMap<>(env);
    if (v == null) {
      m.remove(k);
    } else {
      m.put(k, v);
    }
    return m;
  }

  /** Fails with exactly one problem, which names the variable and mentions the given text. */
  static String oneProblem(Map<String, String> env, String variable, String... mentions) {
    ConfigException e = assertThrows(ConfigException.class, () -> LaunchConfig.fromEnv(env));
    assertEquals(1, e.problems().size(), "one problem: " + e.problems());
    String p = e.problems().get(0);
    assertTrue(p.contains(variable), "names " + variable + ": " + p);
    for (String m : mentions) {
      assertTrue(p.contains(m), "mentions '" + m + "': " + p);
    }
    assertTrue(e.getMessage().startsWith("LaunchSplitFunction is misconfigured: "), e.getMessage());
    assertTrue(e.getMessage().contains(p), e.getMessage());
    return p;
  }
}
