package dev.splitflow.functions.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VerifyConfigTest {

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "my-project");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, "my-data");
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.MARKER_NAME, "_READY");
    env.put(LaunchConfig.OUTPUT_FOLDER, "out/");
    env.put(LaunchConfig.STATE_PREFIX, "_state/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/my-project/topics/summaries");
    env.put(LaunchConfig.MAX_EVENT_AGE_SECONDS, "600");
    env.put(VerifyConfig.SAMPLE_CHUNKS, "5");
    return env;
  }

  private static Map<String, String> with(String k, String v) {
    Map<String, String> m = env();
    m.put(k, v);
    return m;
  }

  private static Map<String, String> with(String k, String v, String k2, String v2) {
    Map<String, String> m = with(k, v);
    m.put(k2, v2);
    return m;
  }

  private static String oneProblem(Map<String, String> env, String variable, String... mentions) {
    ConfigException e = assertThrows(ConfigException.class, () -> VerifyConfig.fromEnv(env));
    assertEquals(1, e.problems().size(), e.problems().toString());
    String p = e.problems().get(0);
    assertTrue(p.contains(variable), p);
    for (String m : mentions) {
      assertTrue(p.contains(m), "mentions '" + m + "': " + p);
    }
    assertTrue(e.getMessage().startsWith("VerifySplitFunction is misconfigured: "), e.getMessage());
    return p;
  }

  @Test
  void fullEnv() {
    VerifyConfig c = VerifyConfig.fromEnv(env());
    assertEquals(
        new Layout(
            "my-project", "europe-west4", "my-data", "datasets/", "_READY", "out/", "_state/"),
        c.layout());
    assertEquals("projects/my-project/topics/summaries", c.summaryTopic());
    assertEquals(Duration.ofMinutes(10), c.maxEventAge());
    assertEquals(5, c.sampleChunks());
  }

  @Test
  void defaults() {
    Map<String, String> env = env();
    for (String k :
        List.of(
            LaunchConfig.DATASETS_PREFIX,
            LaunchConfig.MARKER_NAME,
            LaunchConfig.OUTPUT_FOLDER,
            LaunchConfig.STATE_PREFIX,
            LaunchConfig.MAX_EVENT_AGE_SECONDS,
            VerifyConfig.SAMPLE_CHUNKS)) {
      env.put(k, "");
    }
    VerifyConfig c = VerifyConfig.fromEnv(env);
    assertEquals("", c.layout().datasetsPrefix());
    assertEquals(Layout.DEFAULT_MARKER, c.layout().markerName());
    assertEquals(Layout.DEFAULT_OUTPUT_FOLDER, c.layout().outputFolder());
    assertEquals(Layout.DEFAULT_STATE_PREFIX, c.layout().statePrefix());
    assertEquals(Duration.ofHours(1), c.maxEventAge());
    assertEquals(2, c.sampleChunks());
  }

  @Test
  void launcherVariablesAreNotNeeded() {
    // No template spec, temp, staging or worker account: the verifier launches nothing.
    VerifyConfig.fromEnv(env());
    Map<String, String> env = env();
    env.put(LaunchConfig.LAUNCHER, "nonsense");
    env.put(LaunchConfig.MAX_WORKERS, "0");
    VerifyConfig.fromEnv(env);
  }

  @Test
  void emptyEnvListsEveryMissingVariable() {
    ConfigException e = assertThrows(ConfigException.class, () -> VerifyConfig.fromEnv(Map.of()));
    List<String> missing = new ArrayList<>();
    for (String p : e.problems()) {
      assertTrue(p.contains(" is not set ("), p);
      missing.add(p.substring(0, p.indexOf(' ')));
    }
    assertEquals(
        List.of(
            LaunchConfig.PROJECT,
            LaunchConfig.REGION,
            LaunchConfig.BUCKET,
            LaunchConfig.SUMMARY_TOPIC),
        missing);
  }

  @Test
  void sampleChunks() {
    assertEquals(0, VerifyConfig.fromEnv(with(VerifyConfig.SAMPLE_CHUNKS, "0")).sampleChunks());
    assertEquals(
        10_000, VerifyConfig.fromEnv(with(VerifyConfig.SAMPLE_CHUNKS, "10000")).sampleChunks());
    oneProblem(with(VerifyConfig.SAMPLE_CHUNKS, "-1"), VerifyConfig.SAMPLE_CHUNKS, "between 0");
    oneProblem(with(VerifyConfig.SAMPLE_CHUNKS, "10001"), VerifyConfig.SAMPLE_CHUNKS);
    oneProblem(with(VerifyConfig.SAMPLE_CHUNKS, "all"), VerifyConfig.SAMPLE_CHUNKS, "'all'");
  }

  @Test
  void deepCheckIsOffByDefaultAndBoundedInsideTheEventTimeout() {
    VerifyConfig c = VerifyConfig.fromEnv(env());
    assertEquals(0, c.deepCheckChunks());
    assertEquals(300, c.deepCheckTime().toSeconds());
    VerifyConfig on =
        VerifyConfig.fromEnv(
            with(
                VerifyConfig.DEEP_CHECK_CHUNKS, "1000000", VerifyConfig.DEEP_CHECK_SECONDS, "480"));
    assertEquals(1_000_000, on.deepCheckChunks());
    assertEquals(480, on.deepCheckTime().toSeconds());
    oneProblem(with(VerifyConfig.DEEP_CHECK_CHUNKS, "-1"), VerifyConfig.DEEP_CHECK_CHUNKS);
    oneProblem(
        with(VerifyConfig.DEEP_CHECK_CHUNKS, "all"), VerifyConfig.DEEP_CHECK_CHUNKS, "'all'");
    // 540 s is the event-driven limit: the deep check must leave time to publish.
    oneProblem(with(VerifyConfig.DEEP_CHECK_SECONDS, "540"), VerifyConfig.DEEP_CHECK_SECONDS);
    oneProblem(with(VerifyConfig.DEEP_CHECK_SECONDS, "0"), VerifyConfig.DEEP_CHECK_SECONDS);
  }

  @Test
  void badValues() {
    oneProblem(with(LaunchConfig.BUCKET, "gs://my-data"), LaunchConfig.BUCKET, "no gs://");
    oneProblem(with(LaunchConfig.SUMMARY_TOPIC, "summaries"), LaunchConfig.SUMMARY_TOPIC);
    oneProblem(with(LaunchConfig.OUTPUT_FOLDER, "split"), LaunchConfig.OUTPUT_FOLDER);
    oneProblem(with(LaunchConfig.MAX_EVENT_AGE_SECONDS, "0"), LaunchConfig.MAX_EVENT_AGE_SECONDS);
    oneProblem(with(LaunchConfig.STATE_PREFIX, "datasets/state/"), LaunchConfig.STATE_PREFIX);
    oneProblem(with(LaunchConfig.MARKER_NAME, "a/b"), LaunchConfig.MARKER_NAME);
  }

  @Test
  void badValuesAreAllReportedTogether() {
    Map<String, String> env = env();
    env.put(LaunchConfig.BUCKET, "gs://x");
    env.remove(LaunchConfig.PROJECT);
    env.put(VerifyConfig.SAMPLE_CHUNKS, "many");
    ConfigException e = assertThrows(ConfigException.class, () -> VerifyConfig.fromEnv(env));
    assertEquals(3, e.problems().size(), e.problems().toString());
  }

  @Test
  void everyVariableReadIsDeployed() throws Exception {
    LaunchConfigTest.RecordingMap env = new LaunchConfigTest.RecordingMap(env());
    VerifyConfig.fromEnv(env);
    assertEquals(Set.copyOf(VerifyConfig.DEPLOYED_VARIABLES), env.read);
    for (String v : LaunchConfigTest.variableConstants(VerifyConfig.class)) {
      assertTrue(VerifyConfig.DEPLOYED_VARIABLES.contains(v), v);
    }
    // And the verifier's variables are a deployment's variables of the launcher too, except its
    // own.
    for (String v : VerifyConfig.DEPLOYED_VARIABLES) {
      assertTrue(
          List.of(
                      VerifyConfig.SAMPLE_CHUNKS,
                      VerifyConfig.DEEP_CHECK_CHUNKS,
                      VerifyConfig.DEEP_CHECK_SECONDS)
                  .contains(v)
              || LaunchConfig.DEPLOYED_VARIABLES.contains(v),
          v);
    }
  }
}
