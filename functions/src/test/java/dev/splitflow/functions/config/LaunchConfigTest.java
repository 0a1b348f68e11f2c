package dev.splitflow.functions.config;

import static dev.splitflow.functions.config.LaunchConfigEnvs.dataflowEnv;
import static dev.splitflow.functions.config.LaunchConfigEnvs.localEnv;
import static dev.splitflow.functions.config.LaunchConfigEnvs.minimalDataflowEnv;
import static dev.splitflow.functions.config.LaunchConfigEnvs.oneProblem;
import static dev.splitflow.functions.config.LaunchConfigEnvs.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.functions.launch.DataflowSettings;
import dev.splitflow.functions.launch.LocalSettings;
import dev.splitflow.functions.marker.RunOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link LaunchConfig#fromEnv} on valid environments (Dataflow and local, defaults, trimming,
 * bounds), on missing variables, and the variable lists Terraform and local runs set.
 */
class LaunchConfigTest {
  @Test
  void fullDataflowEnv() {
    LaunchConfig c = LaunchConfig.fromEnv(dataflowEnv());
    Layout l = c.layout();
    assertEquals(
        new Layout(
            "my-project",
            "europe-west4",
            "my-data",
            "datasets/",
            "_READY",
            "out/v1/",
            "_splitflow/state/"),
        l);
    assertEquals("projects/my-project/topics/splitflow-summaries", c.summaryTopic());
    assertEquals(Duration.ofSeconds(1800), c.maxEventAge());
    assertEquals(500, c.indicesMaxBatchFiles());
    assertEquals(7L, c.defaults().seed());
    assertEquals(100, c.defaults().chunkSize());
    assertEquals(List.of("view_position"), c.defaults().strataFields());
    assertNull(c.defaults().trainRatio());
    assertEquals(LaunchConfig.Launcher.DATAFLOW, c.launcher());
    assertNull(c.local());
    DataflowSettings d = c.dataflow();
    assertEquals("my-project", d.project());
    assertEquals("europe-west4", d.region());
    assertEquals("gs://my-templates/splitflow/spec.json", d.templateSpec());
    assertEquals("gs://my-data-temp/temp", d.tempLocation());
    assertEquals("gs://my-data-temp/staging/", d.stagingLocation());
    assertEquals("splitflow-worker@my-project.iam.gserviceaccount.com", d.workerServiceAccount());
    assertEquals(25, d.maxWorkers());
    assertEquals("n2-highmem-8", d.machineType());
    assertEquals("n2-standard-8", d.launcherMachineType());
    assertFalse(d.privateIps());
    assertEquals(
        "https://www.googleapis.com/compute/v1/projects/host/regions/europe-west4/subnetworks/s",
        d.subnetwork());
    assertEquals(DataflowSettings.DEFAULT_ROOT_URL, d.rootUrl());
  }

  @Test
  void defaultsOfAMinimalDataflowEnv() {
    LaunchConfig c = LaunchConfig.fromEnv(minimalDataflowEnv());
    Layout l = c.layout();
    assertEquals("", l.datasetsPrefix());
    assertEquals(Layout.DEFAULT_MARKER, l.markerName());
    assertEquals("_BATCHES_COMPLETE", l.markerName());
    assertEquals(Layout.DEFAULT_OUTPUT_FOLDER, l.outputFolder());
    assertEquals(Layout.DEFAULT_STATE_PREFIX, l.statePrefix());
    assertEquals(Duration.ofHours(1), c.maxEventAge());
    assertEquals(2000, c.indicesMaxBatchFiles());
    assertEquals(RunOptions.NONE, c.defaults());
    assertEquals(LaunchConfig.Launcher.DATAFLOW, c.launcher());
    DataflowSettings d = c.dataflow();
    assertEquals(10, d.maxWorkers());
    assertEquals(LaunchConfig.DEFAULT_MACHINE_TYPE, d.machineType());
    assertNull(d.launcherMachineType(), "unset: Dataflow's default launcher VM");
    assertTrue(d.privateIps());
    assertNull(d.subnetwork());
    assertEquals("https://dataflow.googleapis.com/", d.rootUrl());
  }

  @Test
  void aMachineTypeThatIsNotOneIsRejected() {
    Map<String, String> env =
        with(minimalDataflowEnv(), LaunchConfig.LAUNCHER_MACHINE_TYPE, "n2 standard 4");
    ConfigException e = assertThrows(ConfigException.class, () -> LaunchConfig.fromEnv(env));
    assertTrue(e.getMessage().contains(LaunchConfig.LAUNCHER_MACHINE_TYPE), e.getMessage());
    assertTrue(e.getMessage().contains("'n2 standard 4'"), e.getMessage());
  }

  @Test
  void emptyStringsAreUnset() {
    Map<String, String> env = minimalDataflowEnv();
    for (String k :
        List.of(
            LaunchConfig.DATASETS_PREFIX,
            LaunchConfig.MARKER_NAME,
            LaunchConfig.OUTPUT_FOLDER,
            LaunchConfig.STATE_PREFIX,
            LaunchConfig.MAX_EVENT_AGE_SECONDS,
            LaunchConfig.INDICES_MAX_BATCH_FILES,
            LaunchConfig.DEFAULT_OPTIONS,
            LaunchConfig.LAUNCHER,
            LaunchConfig.MAX_WORKERS,
            LaunchConfig.MACHINE_TYPE,
            LaunchConfig.LAUNCHER_MACHINE_TYPE,
            LaunchConfig.PRIVATE_IPS,
            LaunchConfig.SUBNETWORK,
            LaunchConfig.DATAFLOW_ENDPOINT,
            LaunchConfig.LOCAL_PIPELINE_JAR,
            LaunchConfig.LOCAL_EVENTS_URL,
            LaunchConfig.LOCAL_WORK_DIR)) {
      env.put(k, "");
    }
    assertEquals(LaunchConfig.fromEnv(minimalDataflowEnv()), LaunchConfig.fromEnv(env));
    // Blank is empty too.
    env.replaceAll((k, v) -> v.isEmpty() ? "  " : v);
    assertEquals(LaunchConfig.fromEnv(minimalDataflowEnv()), LaunchConfig.fromEnv(env));
  }

  @Test
  void valuesAreTrimmed() {
    Map<String, String> env = with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, " 12 ");
    env.put(LaunchConfig.PROJECT, " my-project\n");
    LaunchConfig c = LaunchConfig.fromEnv(env);
    assertEquals(12, c.dataflow().maxWorkers());
    assertEquals("my-project", c.layout().project());
  }

  @Test
  void endpointGetsATrailingSlash() {
    LaunchConfig c =
        LaunchConfig.fromEnv(
            with(minimalDataflowEnv(), LaunchConfig.DATAFLOW_ENDPOINT, "http://127.0.0.1:8089"));
    assertEquals("http://127.0.0.1:8089/", c.dataflow().rootUrl());
    LaunchConfig d =
        LaunchConfig.fromEnv(
            with(minimalDataflowEnv(), LaunchConfig.DATAFLOW_ENDPOINT, "http://127.0.0.1:8089/"));
    assertEquals("http://127.0.0.1:8089/", d.dataflow().rootUrl());
  }

  @Test
  void booleansIgnoreCase() {
    assertTrue(
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.PRIVATE_IPS, "TRUE"))
            .dataflow()
            .privateIps());
    assertFalse(
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.PRIVATE_IPS, "False"))
            .dataflow()
            .privateIps());
  }

  @Test
  void boundsAreInclusive() {
    assertEquals(
        1,
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "1"))
            .dataflow()
            .maxWorkers());
    assertEquals(
        1000,
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "1000"))
            .dataflow()
            .maxWorkers());
    assertEquals(
        Duration.ofSeconds(60),
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.MAX_EVENT_AGE_SECONDS, "60"))
            .maxEventAge());
    assertEquals(
        0,
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.INDICES_MAX_BATCH_FILES, "0"))
            .indicesMaxBatchFiles());
  }

  @Test
  void localLauncherEnv() {
    LaunchConfig c = LaunchConfig.fromEnv(localEnv());
    assertEquals(LaunchConfig.Launcher.LOCAL, c.launcher());
    assertNull(c.dataflow());
    assertEquals(
        new LocalSettings(
            Path.of("/opt/splitflow/pipeline-all.jar"),
            "http://localhost:8081/",
            Path.of("/tmp/sf-work"),
            null),
        c.local());
    assertEquals("local-bucket", c.layout().bucket());
    assertEquals(
        "http://127.0.0.1:4443",
        LaunchConfig.fromEnv(with(localEnv(), "STORAGE_EMULATOR_HOST", "http://127.0.0.1:4443"))
            .local()
            .storageEndpoint());
  }

  @Test
  void localLauncherDefaultsItsWorkDir() {
    LaunchConfig c = LaunchConfig.fromEnv(with(localEnv(), LaunchConfig.LOCAL_WORK_DIR, ""));
    assertEquals(
        Path.of(System.getProperty("java.io.tmpdir"), "splitflow-local"), c.local().workDir());
  }

  @Test
  void localLauncherNeedsItsJarAndUrl() {
    Map<String, String> env = with(localEnv(), LaunchConfig.LOCAL_PIPELINE_JAR, null);
    env.remove(LaunchConfig.LOCAL_EVENTS_URL);
    ConfigException e = assertThrows(ConfigException.class, () -> LaunchConfig.fromEnv(env));
    assertEquals(2, e.problems().size(), e.problems().toString());
    assertTrue(e.problems().get(0).startsWith(LaunchConfig.LOCAL_PIPELINE_JAR + " is not set"));
    assertTrue(e.problems().get(1).startsWith(LaunchConfig.LOCAL_EVENTS_URL + " is not set"));
  }

  @Test
  void localLauncherBadEventsUrl() {
    oneProblem(
        with(localEnv(), LaunchConfig.LOCAL_EVENTS_URL, "localhost:8081"),
        LaunchConfig.LOCAL_EVENTS_URL,
        "http(s) URL");
    oneProblem(
        with(localEnv(), LaunchConfig.LOCAL_EVENTS_URL, "ftp://host/x"),
        LaunchConfig.LOCAL_EVENTS_URL,
        "http(s) URL");
    oneProblem(
        with(localEnv(), LaunchConfig.LOCAL_EVENTS_URL, "http://bad host/"),
        LaunchConfig.LOCAL_EVENTS_URL);
  }

  @Test
  void emptyEnvListsEveryMissingVariable() {
    ConfigException e = assertThrows(ConfigException.class, () -> LaunchConfig.fromEnv(Map.of()));
    List<String> missing = new ArrayList<>();
    for (String p : e.problems()) {
      assertTrue(p.contains(" is not set ("), "a 'not set' problem with a hint: " + p);
      missing.add(p.substring(0, p.indexOf(' ')));
    }
    assertEquals(
        List.of(
            LaunchConfig.PROJECT,
            LaunchConfig.REGION,
            LaunchConfig.BUCKET,
            LaunchConfig.SUMMARY_TOPIC,
            LaunchConfig.TEMPLATE_SPEC,
            LaunchConfig.TEMP_LOCATION,
            LaunchConfig.STAGING_LOCATION,
            LaunchConfig.WORKER_SERVICE_ACCOUNT),
        missing);
    for (String v : missing) {
      assertTrue(e.getMessage().contains(v), e.getMessage());
    }
  }

  @Test
  void eachRequiredVariableIsReportedAlone() {
    for (String v :
        List.of(
            LaunchConfig.PROJECT,
            LaunchConfig.REGION,
            LaunchConfig.BUCKET,
            LaunchConfig.SUMMARY_TOPIC,
            LaunchConfig.TEMPLATE_SPEC,
            LaunchConfig.TEMP_LOCATION,
            LaunchConfig.STAGING_LOCATION,
            LaunchConfig.WORKER_SERVICE_ACCOUNT)) {
      oneProblem(with(minimalDataflowEnv(), v, null), v, "is not set");
      oneProblem(with(minimalDataflowEnv(), v, ""), v, "is not set");
    }
  }

  @Test
  void badValuesAreAllReportedTogether() {
    Map<String, String> env = dataflowEnv();
    env.put(LaunchConfig.BUCKET, "gs://my-data");
    env.put(LaunchConfig.MAX_WORKERS, "0");
    env.put(LaunchConfig.PRIVATE_IPS, "yes");
    env.put(LaunchConfig.TEMP_LOCATION, "/tmp");
    ConfigException e = assertThrows(ConfigException.class, () -> LaunchConfig.fromEnv(env));
    assertEquals(4, e.problems().size(), e.problems().toString());
  }

  /** The values of the public static final String SPLITFLOW_* constants of a class. */
  static Set<String> variableConstants(Class<?> c) throws IllegalAccessException {
    Set<String> out = new LinkedHashSet<>();
    for (Field f : c.getDeclaredFields()) {
      int m = f.getModifiers();
      if (Modifier.isPublic(m)
          && Modifier.isStatic(m)
          && Modifier.isFinal(m)
          && f.getType() == String.class) {
        String v = (String) f.get(null);
        if (v.startsWith("SPLITFLOW_")) {
          out.add(v);
        }
      }
    }
    return out;
  }

  @Test
  void everyVariableIsDeployedOrLocal() throws Exception {
    Set<String> vars = variableConstants(LaunchConfig.class);
    assertTrue(vars.size() >= 24, vars.toString());
    for (String v : vars) {
      assertTrue(
          LaunchConfig.DEPLOYED_VARIABLES.contains(v) ^ LaunchConfig.LOCAL_VARIABLES.contains(v),
          v + " is in exactly one of DEPLOYED_VARIABLES and LOCAL_VARIABLES");
    }
    Set<String> listed = new LinkedHashSet<>(LaunchConfig.DEPLOYED_VARIABLES);
    listed.addAll(LaunchConfig.LOCAL_VARIABLES);
    // STORAGE_EMULATOR_HOST is the client libraries' name, not ours.
    listed.remove(LaunchConfig.STORAGE_EMULATOR_HOST);
    assertEquals(vars, listed, "the lists hold only the class's constants");
    assertEquals(
        LaunchConfig.DEPLOYED_VARIABLES.size(),
        Set.copyOf(LaunchConfig.DEPLOYED_VARIABLES).size(),
        "no duplicates");
  }

  /** A map that records which keys were looked up. */
  static final class RecordingMap extends HashMap<String, String> {
    final Set<String> read = new LinkedHashSet<>();

    RecordingMap(Map<String, String> m) {
      super(m);
    }

    @Override
    public String get(Object key) {
      read.add((String) key);
      return super.get(key);
    }

    @Override
    public String getOrDefault(Object key, String d) {
      read.add((String) key);
      return super.getOrDefault(key, d);
    }

    @Override
    public boolean containsKey(Object key) {
      read.add((String) key);
      return super.containsKey(key);
    }
  }

  @Test
  void everyVariableReadIsListed() {
    RecordingMap dataflow = new RecordingMap(dataflowEnv());
    LaunchConfig.fromEnv(dataflow);
    for (String v : dataflow.read) {
      assertTrue(
          LaunchConfig.DEPLOYED_VARIABLES.contains(v) || LaunchConfig.LOCAL_VARIABLES.contains(v),
          "read but not listed: " + v);
    }
    assertTrue(
        dataflow.read.containsAll(LaunchConfig.DEPLOYED_VARIABLES), dataflow.read.toString());
    RecordingMap local = new RecordingMap(localEnv());
    LaunchConfig.fromEnv(local);
    for (String v : local.read) {
      assertTrue(
          LaunchConfig.DEPLOYED_VARIABLES.contains(v) || LaunchConfig.LOCAL_VARIABLES.contains(v),
          "read but not listed: " + v);
    }
  }
}
