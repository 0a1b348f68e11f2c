package dev.splitflow.functions.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the local launcher runs: the template's main class on the run's own gs:// paths. */
class LocalLauncherTest {
  static LaunchRequest request() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put(TemplateParameters.INPUT, "gs://data/datasets/cxr/");
    params.put(TemplateParameters.OUTPUT, "gs://data/datasets/cxr/split/");
    return new LaunchRequest("sf-1", "splitflow-datasets-cxr-1", params, Map.of());
  }

  @Test
  void runsTheTemplatesMainClassOnTheGsPathsAgainstTheConfiguredStorage() {
    LocalLauncher l =
        new LocalLauncher(
            new LocalSettings(
                Path.of("/opt/pipeline-all.jar"),
                "http://127.0.0.1:1/",
                Path.of("/tmp/w"),
                "http://127.0.0.1:4443"));
    List<String> cmd = l.command(request());
    assertEquals(LocalLauncher.MAIN_CLASS, cmd.get(cmd.indexOf("-cp") + 2));
    assertEquals("/opt/pipeline-all.jar", cmd.get(cmd.indexOf("-cp") + 1));
    assertTrue(cmd.contains("--input=gs://data/datasets/cxr/"), cmd.toString());
    assertTrue(cmd.contains("--output=gs://data/datasets/cxr/split/"), cmd.toString());
    assertTrue(cmd.contains("--gcsEndpoint=http://127.0.0.1:4443/storage/v1/"), cmd.toString());
    assertTrue(
        cmd.contains(
            "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory"),
        cmd.toString());
  }

  @Test
  void withoutAStorageEmulatorThePipelineUsesGooglesStorageAndCredentials() {
    LocalLauncher l =
        new LocalLauncher(
            new LocalSettings(
                Path.of("/opt/pipeline-all.jar"), "http://127.0.0.1:1/", Path.of("/tmp/w"), null));
    List<String> cmd = l.command(request());
    assertFalse(cmd.stream().anyMatch(a -> a.startsWith("--gcsEndpoint")), cmd.toString());
    assertFalse(
        cmd.stream().anyMatch(a -> a.startsWith("--credentialFactoryClass")), cmd.toString());
  }
}
