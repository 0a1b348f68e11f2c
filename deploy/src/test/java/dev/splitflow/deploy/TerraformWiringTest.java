package dev.splitflow.deploy;

import static dev.splitflow.deploy.TerraformModule.JVM_OPTIONS;
import static dev.splitflow.deploy.TerraformModule.metadata;
import static dev.splitflow.deploy.TerraformModule.tf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.functions.CloudEventsFunction;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.events.JobEvent;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.launch.TemplateParameters;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.split.IndicesFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform module's functions against the code: their environment variables against {@code
 * LaunchConfig}/{@code VerifyConfig.DEPLOYED_VARIABLES}, entry points, triggers and the Eventarc
 * destination, the bucket notifications' filters, the layout's defaults and the template parameters
 * against {@code metadata.json}. A change on one side without the other fails here.
 */
class TerraformWiringTest {
  @BeforeAll
  static void parseTerraform() throws IOException {
    TerraformModule.parse();
  }

  @Test
  void launchEnvironmentIsExactlyLaunchConfigDeployedVariables() {
    TerraformWiring t = tf();
    assertEquals(
        List.of(),
        t.environmentProblems("launch", withJvmOptions(LaunchConfig.DEPLOYED_VARIABLES)));
    JsonNode env = t.environment("launch");
    for (String local : LaunchConfig.LOCAL_VARIABLES) {
      assertFalse(env.has(local), local + " is for local runs only");
    }
    assertEquals("dataflow", env.path(LaunchConfig.LAUNCHER).asText());
    assertEquals(
        "${google_service_account.worker.email}",
        env.path(LaunchConfig.WORKER_SERVICE_ACCOUNT).asText(),
        "the jobs run as the worker account the launcher may act as");
    assertEquals("${local.summary_topic}", env.path(LaunchConfig.SUMMARY_TOPIC).asText());
    assertEquals("${local.template_spec}", env.path(LaunchConfig.TEMPLATE_SPEC).asText());
    // The launcher VM's machine type reaches the launch request (DataflowLauncherTest checks the
    // request carries it as launcherMachineType).
    assertEquals(
        "${var.launcher_machine_type}", env.path(LaunchConfig.LAUNCHER_MACHINE_TYPE).asText());
    assertTrue(t.variables().containsKey("launcher_machine_type"));
    assertTrue(
        t.variables().get("launcher_machine_type").path("default").asText().matches("[a-z0-9-]+"),
        "the launcher VM is sized by default, not Dataflow's n1-standard-1");
  }

  private static List<String> withJvmOptions(List<String> variables) {
    List<String> all = new ArrayList<>(variables);
    all.add(JVM_OPTIONS);
    return all;
  }

  @Test
  void verifyEnvironmentIsExactlyVerifyConfigDeployedVariables() {
    TerraformWiring t = tf();
    assertEquals(
        List.of(),
        t.environmentProblems("verify", withJvmOptions(VerifyConfig.DEPLOYED_VARIABLES)));
    // Both functions see the same layout.
    for (String name : VerifyConfig.DEPLOYED_VARIABLES) {
      if (LaunchConfig.DEPLOYED_VARIABLES.contains(name)) {
        assertEquals(t.environment("launch").path(name), t.environment("verify").path(name), name);
      }
    }
  }

  @Test
  void environmentMismatchIsReportedOnEitherSide() {
    TerraformWiring t = tf();
    // Terraform side changed: a variable dropped, a local-only one added.
    TerraformWiring tampered = t.copy();
    tampered.mutableLocal("verify_environment").remove(VerifyConfig.SAMPLE_CHUNKS);
    tampered.mutableLocal("launch_environment").put(LaunchConfig.LOCAL_WORK_DIR, "/tmp");
    assertEquals(
        List.of("verify: the code reads SPLITFLOW_SAMPLE_CHUNKS but Terraform does not set it"),
        tampered.environmentProblems("verify", withJvmOptions(VerifyConfig.DEPLOYED_VARIABLES)));
    assertEquals(
        List.of("launch: Terraform sets SPLITFLOW_LOCAL_WORK_DIR but the code does not read it"),
        tampered.environmentProblems("launch", withJvmOptions(LaunchConfig.DEPLOYED_VARIABLES)));
    // Code side changed: a new variable the module does not set yet.
    List<String> newer = withJvmOptions(LaunchConfig.DEPLOYED_VARIABLES);
    newer.add("SPLITFLOW_SOMETHING_NEW");
    assertEquals(
        List.of("launch: the code reads SPLITFLOW_SOMETHING_NEW but Terraform does not set it"),
        t.environmentProblems("launch", newer));
    // Without the JVM options the heap is the JVM's default again: reported.
    TerraformWiring noHeap = t.copy();
    noHeap.mutableLocal("launch_jvm_environment").remove(JVM_OPTIONS);
    assertEquals(
        List.of("launch: the code reads JAVA_TOOL_OPTIONS but Terraform does not set it"),
        noHeap.environmentProblems("launch", withJvmOptions(LaunchConfig.DEPLOYED_VARIABLES)));
    // An environment that is an expression cannot be checked, so it is a problem too.
    TerraformWiring opaque = t.copy();
    ((ObjectNode)
            TerraformWiring.block(
                opaque.mutableResource("google_cloudfunctions2_function", "verify"),
                "service_config"))
        .put("environment_variables", "${merge(local.a, local.b)}");
    assertEquals(1, opaque.environmentProblems("verify", VerifyConfig.DEPLOYED_VARIABLES).size());
  }

  @Test
  void functionsRunTheShadedJarWithExistingEntryPoints() throws Exception {
    TerraformWiring t = tf();
    Map<String, String> entry =
        Map.of(
            "launch", "dev.splitflow.functions.LaunchSplitFunction",
            "verify", "dev.splitflow.functions.VerifySplitFunction");
    Map<String, String> runtimeAccount =
        Map.of(
            "launch", "${google_service_account.launcher.email}",
            "verify", "${google_service_account.verifier.email}");
    for (String fn : List.of("launch", "verify")) {
      JsonNode f = t.resource("google_cloudfunctions2_function", fn);
      JsonNode build = TerraformWiring.block(f, "build_config");
      assertEquals("java17", build.path("runtime").asText(), fn + " runtime");
      assertEquals(entry.get(fn), build.path("entry_point").asText(), fn + " entry point");
      assertEquals("${google_service_account.builder.id}", build.path("service_account").asText());
      JsonNode storage =
          TerraformWiring.block(TerraformWiring.block(build, "source"), "storage_source");
      assertEquals(
          "${google_storage_bucket_object.functions_source.name}", storage.path("object").asText());
      JsonNode service = TerraformWiring.block(f, "service_config");
      assertEquals(runtimeAccount.get(fn), service.path("service_account_email").asText());
      for (String key :
          List.of(
              "available_memory", "timeout_seconds", "max_instance_count", "ingress_settings")) {
        assertFalse(service.path(key).isMissingNode(), fn + " sets " + key);
      }
    }
    assertEquals(
        "${var.launcher_timeout_seconds}",
        TerraformWiring.block(
                t.resource("google_cloudfunctions2_function", "launch"), "service_config")
            .path("timeout_seconds")
            .asText());
    assertEquals(540, t.variables().get("launcher_timeout_seconds").path("default").asInt());

    // The source zip holds only the shaded jar.
    JsonNode archive = null;
    for (String f : t.fileNames(false)) {
      JsonNode a = t.files().get(f).path("data").path("archive_file").path("functions");
      if (a.isArray()) {
        archive = a.get(0);
      }
    }
    assertNotNull(archive, "data.archive_file.functions");
    assertEquals("zip", archive.path("type").asText());
    assertTrue(archive.has("source_file"), "a single file: the jar");
    assertFalse(archive.has("source_dir") || archive.has("source"), "nothing but the jar");
    assertTrue(
        t.locals().get("functions_jars").asText().contains("splitflow-functions-*-all.jar"),
        "the jar the functions module's shade plugin makes");

    // Class.forName: the entry points exist and are CloudEvents functions.
    for (String cls : entry.values()) {
      Class<?> c;
      try {
        c = Class.forName(cls);
      } catch (ClassNotFoundException e) {
        fail("Terraform deploys entry point " + cls + ", which does not exist");
        return;
      }
      assertTrue(CloudEventsFunction.class.isAssignableFrom(c), cls + " is a CloudEventsFunction");
    }
  }

  @Test
  void functionTriggersRetryAndRunAsTheirOwnAccounts() {
    TerraformWiring t = tf();
    Map<String, String> triggerAccount =
        Map.of(
            "launch", "${google_service_account.launch_trigger.email}",
            "verify", "${google_service_account.verify_trigger.email}");
    Map<String, String> topic =
        Map.of(
            "launch", "${local.launch_trigger_topic}", "verify", "${local.verify_trigger_topic}");
    for (String fn : List.of("launch", "verify")) {
      JsonNode trigger =
          TerraformWiring.block(t.resource("google_cloudfunctions2_function", fn), "event_trigger");
      assertEquals("RETRY_POLICY_RETRY", trigger.path("retry_policy").asText(), fn + " retries");
      assertEquals(triggerAccount.get(fn), trigger.path("service_account_email").asText());
      assertEquals(topic.get(fn), trigger.path("pubsub_topic").asText());
      assertEquals("${local.trigger_event_type}", trigger.path("event_type").asText());
    }
    SortedMap<String, JsonNode> locals = t.locals();
    assertTrue(locals.get("launch_trigger_topic").asText().contains("google_pubsub_topic.markers"));
    assertTrue(
        locals.get("verify_trigger_topic").asText().contains("google_pubsub_topic.manifests"));
    String eventType = locals.get("trigger_event_type").asText();
    // The two event shapes the functions accept (ObjectEvent) are the two the module can send.
    assertTrue(eventType.contains("\"" + ObjectEvent.PUBSUB_PUBLISHED + "\""), eventType);
    assertTrue(eventType.contains("\"" + ObjectEvent.STORAGE_FINALIZED + "\""), eventType);

    JsonNode status = t.resource("google_eventarc_trigger", "dataflow_status");
    JsonNode criteria = TerraformWiring.block(status, "matching_criteria");
    assertEquals("type", criteria.path("attribute").asText());
    assertEquals(JobEvent.TYPE, criteria.path("value").asText());
    assertEquals(
        "application/json", status.path("event_data_content_type").asText(), "JobEvent reads JSON");
    assertEquals(
        "${google_service_account.status_trigger.email}", status.path("service_account").asText());
    assertEquals("${var.region}", status.path("location").asText(), "Dataflow's region");
  }

  /**
   * Eventarc's {@code destination.cloud_run_service.service} takes the bare service name; the
   * Functions API returns {@code service_config.service} as {@code projects/P/locations/L/services/
   * NAME} and the provider passes it through, so the module takes its last segment.
   */
  @Test
  void theEventarcDestinationNamesABareService() {
    TerraformWiring t = tf();
    JsonNode destination =
        TerraformWiring.block(
            TerraformWiring.block(
                t.resource("google_eventarc_trigger", "dataflow_status"), "destination"),
            "cloud_run_service");
    assertEquals("${local.verify_service_name}", destination.path("service").asText());
    String expression = t.locals().get("verify_service_name").asText();
    Matcher m =
        Pattern.compile(
                "^\\$\\{regex\\(\"(.+)\", google_cloudfunctions2_function\\.verify\\.service_config\\[0\\]\\.service\\)\\}$")
            .matcher(expression);
    assertTrue(m.matches(), expression);
    // The same pattern (RE2 and java.util.regex agree on it) on both forms the API may return.
    Pattern last = Pattern.compile(m.group(1).replace("\\\\", "\\"));
    for (String service :
        List.of(
            "projects/p-1/locations/europe-west4/services/splitflow-verify", "splitflow-verify")) {
      Matcher name = last.matcher(service);
      assertTrue(name.find(), service);
      assertEquals("splitflow-verify", name.group(), service);
    }
    // No Eventarc trigger anywhere names a service by the long form.
    for (Map.Entry<String, JsonNode> trigger : t.resources("google_eventarc_trigger").entrySet()) {
      String service =
          TerraformWiring.block(
                  TerraformWiring.block(trigger.getValue(), "destination"), "cloud_run_service")
              .path("service")
              .asText();
      assertFalse(service.contains("service_config[0].service"), trigger.getKey() + ": " + service);
    }
  }

  @Test
  void notificationsFilterMarkersAndManifestsAtTheSource() {
    TerraformWiring t = tf();
    assertEquals(List.of(), t.notificationProblems("marker", "${var.marker_name}"));
    assertEquals(
        List.of(),
        t.notificationProblems("manifest", "${var.output_folder}${local.manifest_name}"));
    assertEquals(
        "${google_pubsub_topic.markers[0].id}",
        t.resource("google_storage_notification", "marker").path("topic").asText());
    assertEquals(
        "${google_pubsub_topic.manifests[0].id}",
        t.resource("google_storage_notification", "manifest").path("topic").asText());
    // The object names the module spells out are the code's.
    assertEquals(Layout.MANIFEST, t.locals().get("manifest_name").asText());
    assertEquals(ChunkNames.MANIFEST, t.locals().get("manifest_name").asText());
    assertEquals(IndicesFile.FILE_NAME, t.locals().get("indices_name").asText());
    assertEquals(ChunkNames.INDICES, t.locals().get("indices_name").asText());

    TerraformWiring tampered = t.copy();
    ObjectNode marker = tampered.mutableResource("google_storage_notification", "marker");
    ((ArrayNode) marker.get("event_types")).add("OBJECT_DELETE");
    marker.remove("object_name_prefix");
    assertEquals(2, tampered.notificationProblems("marker", "${var.marker_name}").size());
  }

  @Test
  void layoutDefaultsAreTheCodes() {
    SortedMap<String, JsonNode> vars = tf().variables();
    assertEquals(Layout.DEFAULT_MARKER, vars.get("marker_name").path("default").asText());
    assertEquals(Layout.DEFAULT_OUTPUT_FOLDER, vars.get("output_folder").path("default").asText());
    assertEquals(Layout.DEFAULT_STATE_PREFIX, vars.get("state_prefix").path("default").asText());
    assertEquals(
        LaunchConfig.DEFAULT_MACHINE_TYPE, vars.get("machine_type").path("default").asText());
    assertEquals("notification", vars.get("trigger").path("default").asText());
  }

  @Test
  void everyTemplateParameterTheLauncherPassesIsInMetadataJson() throws IOException {
    JsonNode metadata = metadata();
    assertEquals(
        List.of(), TerraformWiring.templateParameterProblems(metadata, TemplateParameters.NAMES));
    // And the check does notice a missing one.
    ObjectNode shrunk = metadata.deepCopy();
    ArrayNode params = (ArrayNode) shrunk.get("parameters");
    for (int i = params.size() - 1; i >= 0; i--) {
      if (params.get(i).path("name").asText().equals(TemplateParameters.OUTPUT)) {
        params.remove(i);
      }
    }
    assertEquals(
        1, TerraformWiring.templateParameterProblems(shrunk, TemplateParameters.NAMES).size());
  }
}
