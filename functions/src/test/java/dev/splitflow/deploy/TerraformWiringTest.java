package dev.splitflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.functions.CloudEventsFunction;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.events.JobEvent;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.launch.TemplateParameters;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Split;
import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform module ({@code terraform/}) and the Flex Template packaging ({@code
 * tools/flex-template/build}) against the code, without a cloud: every {@code .tf} file parsed by a
 * real HCL parser ({@code tools/hcl/to-json.mjs}, HashiCorp's hcl2json), then the environment
 * variables, entry points, template parameters, roles and trigger filters compared with the Java
 * side. A change on one side without the other fails here.
 *
 * <p>Needs Node.js and {@code tools/hcl/node_modules}, which {@code mvn verify} installs ({@code
 * tools/prepare-tests}): without them the HCL checks are skipped outside CI, and listed at the end
 * of the build, and fail in CI ({@code CI} set). Formatting is checked with HashiCorp's hclwrite
 * formatter ({@code tools/hcl/fmt-check.mjs}), so {@code terraform fmt -check} needs no binary, and
 * every argument against the providers' schemas ({@link ProviderSchema}) in place of {@code
 * terraform validate}, which needs a binary and provider downloads that neither this machine nor CI
 * has.
 */
class TerraformWiringTest {

  /**
   * Every role each principal holds, as {@code ROLE on SCOPE [if CONDITION-TITLE]}: the table in
   * terraform/README.md. Scopes: project, bucket:data|pipeline, topic:/subscription:/
   * service-account:/repository: + the Terraform resource name, run-service: + the function.
   * Bindings that only exist for one trigger mode are listed too.
   */
  static final Map<String, List<String>> ROLES =
      Map.of(
          "launcher",
          List.of(
              "roles/dataflow.developer on project",
              "roles/iam.serviceAccountUser on service-account:worker",
              "roles/storage.objectViewer on bucket:data",
              "roles/storage.objectUser on bucket:data if splitflow-launcher-writes",
              "roles/storage.objectViewer on bucket:pipeline if splitflow-template-spec",
              "roles/pubsub.publisher on topic:summary"),
          "verifier",
          List.of(
              "roles/storage.objectViewer on bucket:data",
              "roles/storage.objectUser on bucket:data if splitflow-verifier-writes",
              "roles/pubsub.publisher on topic:summary"),
          "worker",
          List.of(
              "roles/dataflow.worker on project",
              "roles/storage.objectViewer on bucket:data",
              "roles/storage.objectUser on bucket:data if splitflow-worker-outputs",
              "roles/storage.legacyBucketReader on bucket:pipeline",
              "roles/storage.objectUser on bucket:pipeline if splitflow-worker-temp-staging",
              "roles/artifactregistry.reader on repository:images"),
          "builder",
          List.of(
              "roles/run.builder on project",
              "roles/storage.legacyBucketReader on bucket:pipeline",
              "roles/storage.objectUser on bucket:pipeline if splitflow-build-logs"),
          "launch_trigger",
          List.of(
              "roles/run.invoker on run-service:launch", "roles/eventarc.eventReceiver on project"),
          "verify_trigger",
          List.of(
              "roles/run.invoker on run-service:verify", "roles/eventarc.eventReceiver on project"),
          "status_trigger",
          List.of(
              "roles/run.invoker on run-service:verify", "roles/eventarc.eventReceiver on project"),
          "gcs-agent",
          List.of(
              "roles/pubsub.publisher on topic:markers",
              "roles/pubsub.publisher on topic:manifests",
              "roles/pubsub.publisher on project"),
          "pubsub-agent",
          List.of(
              "roles/iam.serviceAccountTokenCreator on service-account:launch_trigger",
              "roles/iam.serviceAccountTokenCreator on service-account:verify_trigger",
              "roles/iam.serviceAccountTokenCreator on service-account:status_trigger",
              "roles/pubsub.publisher on topic:dead_letter",
              "roles/pubsub.subscriber on subscription:summary_example"));

  /** The APIs the issue names; the module may enable more. */
  static final List<String> REQUIRED_APIS =
      List.of(
          "dataflow.googleapis.com",
          "cloudfunctions.googleapis.com",
          "run.googleapis.com",
          "eventarc.googleapis.com",
          "pubsub.googleapis.com",
          "storage.googleapis.com",
          "artifactregistry.googleapis.com",
          "cloudbuild.googleapis.com",
          "iam.googleapis.com");

  /**
   * Set by Terraform beside the code's variables: the JVM reads it at start-up (the functions'
   * explicit heap), the code does not.
   */
  static final String JVM_OPTIONS = "JAVA_TOOL_OPTIONS";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final boolean CI = Component.isCi();

  private static Path root;
  private static TerraformWiring tf; // null when the HCL parser is not available
  private static String unavailable;

  @BeforeAll
  static void parseTerraform() throws IOException {
    root = repoRoot();
    Path hcl2json = root.resolve("tools/hcl/node_modules/@cdktf/hcl2json/package.json");
    if (!Commands.available(root, "node", "--version")) {
      unavailable = "no node on PATH";
    } else if (!Files.exists(hcl2json)) {
      unavailable = "tools/hcl/node_modules is missing (cd tools/hcl && npm ci)";
    } else {
      Commands.Result r =
          Commands.run(
              root, Map.of(), Duration.ofMinutes(2), "node", "tools/hcl/to-json.mjs", "terraform");
      assertEquals(0, r.exitCode(), "tools/hcl/to-json.mjs terraform failed:\n" + r.describe());
      tf = new TerraformWiring(JSON.readTree(r.stdout()));
    }
  }

  /** The parsed module, or a skip (outside CI) / failure (in CI) naming what is missing. */
  private static TerraformWiring tf() {
    if (tf == null) {
      Component.HCL_PARSER.unavailable("cannot parse the Terraform files: " + unavailable);
    }
    return tf;
  }

  // --- Parsing --------------------------------------------------------------------------------

  @Test
  void everyTerraformFileParses() throws IOException {
    Set<String> onDisk;
    Path dir = root.resolve("terraform");
    try (Stream<Path> s = Files.walk(dir)) {
      onDisk =
          s.filter(p -> p.toString().endsWith(".tf"))
              .filter(p -> !p.toString().contains("/.terraform/"))
              .map(p -> dir.relativize(p).toString().replace('\\', '/'))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> parsed = new TreeSet<>(tf().fileNames(true));
    parsed.removeIf(f -> !f.endsWith(".tf"));
    assertEquals(onDisk, parsed, "every .tf file under terraform/ is parsed");
    for (String f :
        List.of(
            "main.tf",
            "variables.tf",
            "outputs.tf",
            "versions.tf",
            "examples/basic/main.tf",
            "examples/basic/variables.tf")) {
      assertTrue(parsed.contains(f), "terraform/" + f + " exists");
    }
  }

  @Test
  void theParserRejectsBrokenHcl() throws IOException {
    tf();
    Path dir = Files.createTempDirectory("splitflow-bad-hcl");
    try {
      Files.writeString(dir.resolve("ok.tf"), "variable \"a\" {\n  type = string\n}\n");
      Files.writeString(dir.resolve("bad.tf"), "resource \"x\" \"y\" {\n  a = \n}\n");
      Commands.Result r =
          Commands.run(
              root,
              Map.of(),
              Duration.ofMinutes(2),
              "node",
              "tools/hcl/to-json.mjs",
              dir.toString());
      assertEquals(1, r.exitCode(), r.describe());
      assertTrue(r.stderr().contains("bad.tf"), r.stderr());
      assertFalse(r.stderr().contains("ok.tf:"), r.stderr());
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void everyReferenceIsDeclared() {
    assertEquals(List.of(), tf().referenceProblems());
  }

  // --- Functions ------------------------------------------------------------------------------

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

  // --- Triggers ---------------------------------------------------------------------------------

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

  // --- Template parameters --------------------------------------------------------------------

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

  // --- IAM ---------------------------------------------------------------------------------------

  @Test
  void everyAccountHoldsExactlyTheDocumentedRoles() {
    assertEquals(List.of(), tf().iamProblems(ROLES));
  }

  @Test
  void extraOrBroaderRolesAreReported() {
    TerraformWiring tampered = tf().copy();
    ObjectNode editor = JSON.createObjectNode();
    editor.put("project", "${var.project_id}");
    editor.put("role", "roles/editor");
    editor.put("member", "${google_service_account.launcher.member}");
    tampered.addResource("google_project_iam_member", "launcher_editor", editor);
    // A write grant losing its condition is a different (wider) binding.
    tampered
        .mutableResource("google_storage_bucket_iam_member", "worker_output_write")
        .remove("condition");
    List<String> problems = tampered.iamProblems(ROLES);
    assertTrue(
        problems.contains("launcher: primitive role roles/editor on project"), problems.toString());
    assertTrue(
        problems.contains(
            "worker holds roles/storage.objectUser on bucket:data, which the documented table does"
                + " not list"),
        problems.toString());
    assertTrue(
        problems.contains(
            "worker should hold roles/storage.objectUser on bucket:data if splitflow-worker-outputs"
                + " (documented) but Terraform does not grant it"),
        problems.toString());

    TerraformWiring authoritative = tf().copy();
    ObjectNode binding = JSON.createObjectNode();
    binding.put("bucket", "${local.data_bucket}");
    binding.put("role", "roles/storage.objectViewer");
    binding.putArray("members").add("${google_service_account.verifier.member}");
    authoritative.addResource("google_storage_bucket_iam_binding", "readers", binding);
    assertTrue(
        authoritative.iamProblems(ROLES).stream().anyMatch(p -> p.startsWith("authoritative")));
  }

  @Test
  void writeConditionsAreScopedToTheirObjects() {
    SortedMap<String, JsonNode> locals = tf().locals();
    String launcher = locals.get("launcher_write_condition").asText();
    assertTrue(
        launcher.contains("${var.state_prefix}") && launcher.contains("${local.indices_name}"),
        launcher);
    assertTrue(launcher.contains("var.dataset_folders"), launcher);
    String verifier = locals.get("verifier_write_condition").asText();
    assertTrue(verifier.contains("${var.state_prefix}") && !verifier.contains("||"), verifier);
    assertTrue(locals.get("output_prefixes").asText().contains("${var.output_folder}"));
    assertTrue(locals.get("worker_write_condition").asText().contains("local.output_prefixes"));
    assertEquals(
        "projects/_/buckets/${local.data_bucket}/objects/", locals.get("data_objects").asText());
  }

  @Test
  void theReadmeDocumentsEveryBinding() throws IOException {
    List<String> lines = Files.readAllLines(root.resolve("terraform/README.md"));
    for (Map.Entry<String, List<String>> e : ROLES.entrySet()) {
      for (String binding : e.getValue()) {
        String role = binding.substring(0, binding.indexOf(' '));
        assertTrue(
            lines.stream()
                .anyMatch(
                    l ->
                        l.startsWith("|")
                            && l.contains("`" + e.getKey() + "`")
                            && l.contains(role)),
            "terraform/README.md has a table row for " + e.getKey() + " " + role);
      }
    }
  }

  // --- Buckets, topics, APIs ------------------------------------------------------------------

  @Test
  void bucketsArePrivateAndTempExpires() {
    TerraformWiring t = tf();
    for (String b : List.of("data", "pipeline")) {
      JsonNode bucket = t.resource("google_storage_bucket", b);
      assertEquals(true, bucket.path("uniform_bucket_level_access").asBoolean(false), b);
      assertEquals("enforced", bucket.path("public_access_prevention").asText(), b);
    }
    assertEquals(
        "${var.create_data_bucket ? 1 : 0}",
        t.resource("google_storage_bucket", "data").path("count").asText());
    boolean tempRule = false;
    for (JsonNode rule : t.resource("google_storage_bucket", "pipeline").path("lifecycle_rule")) {
      JsonNode cond = TerraformWiring.block(rule, "condition");
      if (cond.path("matches_prefix").toString().contains("temp/")
          && TerraformWiring.block(rule, "action").path("type").asText().equals("Delete")) {
        tempRule = true;
      }
    }
    assertTrue(tempRule, "temp/ objects are deleted by a lifecycle rule");
    assertEquals("templates/splitflow.json", t.locals().get("template_spec_object").asText());
  }

  @Test
  void requiredApisAreEnabled() {
    List<String> apis = new ArrayList<>();
    tf().locals().get("apis").forEach(a -> apis.add(a.asText()));
    assertTrue(apis.containsAll(REQUIRED_APIS), apis.toString());
    assertEquals(
        "${var.enable_apis ? toset(local.apis) : toset([])}",
        tf().resource("google_project_service", "apis").path("for_each").asText());
  }

  @Test
  void summaryTopicHasTheAvroSchemaAndTheExampleSubscriptionADeadLetterTopic() throws IOException {
    TerraformWiring t = tf();
    JsonNode schema = t.resource("google_pubsub_schema", "summary");
    assertEquals("AVRO", schema.path("type").asText());
    assertEquals(
        "${file(\"${path.module}/schemas/summary.avsc\")}", schema.path("definition").asText());
    JsonNode settings =
        t.resource("google_pubsub_topic", "summary").path("dynamic").path("schema_settings").get(0);
    assertEquals("JSON", TerraformWiring.block(settings, "content").path("encoding").asText());

    JsonNode avsc = JSON.readTree(root.resolve("terraform/schemas/summary.avsc").toFile());
    assertEquals("record", avsc.path("type").asText());
    Set<String> fields = new TreeSet<>();
    avsc.path("fields").forEach(f -> fields.add(f.path("name").asText()));
    assertTrue(
        fields.containsAll(List.of("run_id", "dataset", "status", "job_id", "reason")),
        fields.toString());
    JsonNode status = null;
    for (JsonNode f : avsc.path("fields")) {
      if (f.path("name").asText().equals("status")) {
        status = f.path("type");
      }
    }
    assertNotNull(status);
    assertEquals("[\"SUCCEEDED\",\"FAILED\"]", status.path("symbols").toString());
    assertEquals(List.of(), unions(avsc, "summary"), "no unions: plain JSON must validate");

    JsonNode sub = t.resource("google_pubsub_subscription", "summary_example");
    assertEquals("${google_pubsub_topic.summary.id}", sub.path("topic").asText());
    assertEquals(
        "${google_pubsub_topic.dead_letter.id}",
        TerraformWiring.block(sub, "dead_letter_policy").path("dead_letter_topic").asText());
  }

  @Test
  void theFunctionsSummaryMatchesTheTopicSchema() throws IOException {
    JsonNode avsc = JSON.readTree(root.resolve("terraform/schemas/summary.avsc").toFile());
    Summary.Timings timings =
        Summary.Timings.of(
            Instant.parse("2026-01-01T00:00:00Z"), null, Instant.parse("2026-01-01T00:05:00Z"));
    Summary failed =
        Summary.failedBuilder()
            .runId("run-1")
            .dataset("gs://b/datasets/x/")
            .output("gs://b/datasets/x/split/")
            .stage("launch")
            .reason("HTTP 403")
            .job(null, "splitflow-x", null)
            .timings(timings)
            .build();
    assertEquals(List.of(), TerraformWiring.avroProblems(JSON.readTree(failed.toJson()), avsc));
    Summary full =
        new Summary(
            "run-2",
            "gs://b/datasets/x/",
            "gs://b/datasets/x/split/",
            Summary.FAILED,
            "verify",
            "1 output check failed",
            "2026-01-01_00_00_00-123",
            "splitflow-x",
            "https://console.cloud.google.com/dataflow/jobs/r/j",
            List.of(new Summary.SplitCount(Split.TRAIN, 70, 2, 1000)),
            List.of(new Summary.StratumCount("view_position=PA", Split.TRAIN, 0.7, 7)),
            Summary.Lineage.NONE,
            List.of(new OutputVerifier.Failure("chunk-crc32c", "train_0001.pt differs")),
            timings);
    JsonNode body = JSON.readTree(full.toJson());
    assertEquals(List.of(), TerraformWiring.avroProblems(body, avsc));
    Summary.Counts kept = new Summary.Counts(60, 12, 13);
    Summary.Counts added = new Summary.Counts(10, 3, 2);
    Summary.Counts removed = new Summary.Counts(1, 0, 0);
    Summary grown =
        new Summary(
            "run-3",
            "gs://b/datasets/x/",
            "gs://b/datasets/x/split/",
            Summary.SUCCEEDED,
            "",
            "",
            "2026-01-01_00_00_00-124",
            "splitflow-x",
            "https://console.cloud.google.com/dataflow/jobs/r/k",
            List.of(new Summary.SplitCount(Split.TRAIN, 70, 2, 1000)),
            List.of(new Summary.StratumCount("view_position=PA", Split.TRAIN, 0.7, 7)),
            new Summary.Lineage(true, "sha256:" + "0f".repeat(32), kept, added, removed, 3, 1),
            List.of(),
            timings);
    JsonNode extension = JSON.readTree(grown.toJson());
    assertTrue(extension.path("lineage").path("extension").asBoolean());
    assertEquals(List.of(), TerraformWiring.avroProblems(extension, avsc));
    ObjectNode noFlag = extension.deepCopy();
    ((ObjectNode) noFlag.get("lineage")).remove("extension");
    ((ObjectNode) noFlag.get("lineage").get("kept")).put("total", "7");
    assertEquals(
        List.of(
            "$.lineage.extension: missing", "$.lineage.kept.total: expected a long, found \"7\""),
        TerraformWiring.avroProblems(noFlag, avsc));
    // A null where the schema wants a string, or a field the schema lacks, is rejected.
    ObjectNode tampered = body.deepCopy();
    tampered.putNull("job_id");
    tampered.put("extra", 1);
    assertEquals(
        List.of("$.job_id: expected a string, found null", "$.extra: not in the schema"),
        TerraformWiring.avroProblems(tampered, avsc));
  }

  /** Paths of union types in an Avro schema (a JSON array where a type goes). */
  private static List<String> unions(JsonNode schema, String path) {
    List<String> out = new ArrayList<>();
    if (schema.isArray()) {
      out.add(path);
    } else if (schema.isObject()) {
      for (JsonNode f : schema.path("fields")) {
        out.addAll(unions(f.path("type"), path + "." + f.path("name").asText()));
      }
      if (schema.has("items")) {
        out.addAll(unions(schema.get("items"), path + "[]"));
      }
      if (schema.has("values")) {
        out.addAll(unions(schema.get("values"), path + "{}"));
      }
    }
    return out;
  }

  // --- Variables and the example --------------------------------------------------------------

  @Test
  void everyVariableIsTypedAndDescribed() {
    TerraformWiring t = tf();
    Map<String, JsonNode> all = new LinkedHashMap<>();
    t.variables().forEach((k, v) -> all.put("terraform/variables.tf " + k, v));
    t.variables("examples/basic/").forEach((k, v) -> all.put("examples/basic " + k, v));
    for (Map.Entry<String, JsonNode> e : all.entrySet()) {
      assertFalse(e.getValue().path("type").asText("").isEmpty(), e.getKey() + " has a type");
      assertTrue(
          e.getValue().path("description").asText("").length() > 10,
          e.getKey() + " has a description");
    }
    // Inputs users get wrong are validated.
    for (String v :
        List.of(
            "region",
            "data_bucket_name",
            "pipeline_bucket_name",
            "datasets_prefix",
            "dataset_folders",
            "marker_name",
            "output_folder",
            "state_prefix",
            "trigger",
            "max_workers",
            "default_options")) {
      assertTrue(t.variables().get(v).has("validation"), v + " has a validation block");
    }
  }

  @Test
  void theExamplePassesEveryVariableAndTheTfvarsExampleListsThem() throws IOException {
    TerraformWiring t = tf();
    Set<String> module = t.variables().keySet();
    assertEquals(
        module, t.variables("examples/basic/").keySet(), "the example declares every input");
    JsonNode call = t.files().get("examples/basic/main.tf").path("module").path("splitflow").get(0);
    assertEquals("../..", call.path("source").asText());
    for (String v : module) {
      assertEquals("${var." + v + "}", call.path(v).asText(), "the example passes " + v);
    }
    assertEquals(
        t.outputs("").keySet(),
        t.outputs("examples/basic/").keySet(),
        "the example passes every output");

    String example =
        Files.readString(root.resolve("terraform/examples/basic/terraform.tfvars.example"));
    Set<String> mentioned = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^(?:# )?([a-z_][a-z0-9_]*)[ \\t]*=").matcher(example);
    while (m.find()) {
      mentioned.add(m.group(1));
    }
    Set<String> missing = new TreeSet<>(module);
    missing.removeAll(mentioned);
    assertEquals(Set.of(), missing, "terraform.tfvars.example lists every variable");
    Set<String> unknown = new TreeSet<>(mentioned);
    unknown.removeAll(module);
    assertEquals(Set.of(), unknown, "terraform.tfvars.example sets only real variables");
    // Its uncommented part is what a user must fill in: the variables without a default.
    Set<String> required = new TreeSet<>();
    t.variables()
        .forEach(
            (k, v) -> {
              if (!v.has("default")) {
                required.add(k);
              }
            });
    Set<String> set = new TreeSet<>();
    t.files()
        .get("examples/basic/terraform.tfvars.example")
        .fieldNames()
        .forEachRemaining(set::add);
    assertTrue(set.containsAll(required), "required " + required + " are set in " + set);
  }

  // --- Function heap, soft delete, IAM propagation, concurrency -------------------------------

  /**
   * The functions' heap is explicit: JAVA_TOOL_OPTIONS with MaxRAM = the configured memory and 70 %
   * of it as heap (without it the JVM takes 25 %; the buildpack raises it only under a platform
   * hint, and never when JAVA_TOOL_OPTIONS is set). The options are run through a real JVM to see
   * the heap they give at the default memory.
   */
  @Test
  void theFunctionsHeapIsSeventyPercentOfTheirMemory() throws IOException {
    TerraformWiring t = tf();
    SortedMap<String, JsonNode> locals = t.locals();
    Map<String, String> memoryVariable =
        Map.of("launch", "launcher_memory", "verify", "verifier_memory");
    Map<String, String> mibLocal =
        Map.of("launch", "launcher_memory_mib", "verify", "verifier_memory_mib");
    int percent = locals.get("heap_percent").asInt();
    assertEquals(70, percent);
    for (String fn : List.of("launch", "verify")) {
      String options = t.environment(fn).path(JVM_OPTIONS).asText();
      assertEquals(
          "-XX:MaxRAM=${local."
              + mibLocal.get(fn)
              + "}m -XX:MaxRAMPercentage=${local.heap_percent}",
          options,
          fn);
      String mib = locals.get(mibLocal.get(fn)).asText();
      String v = "var." + memoryVariable.get(fn);
      assertTrue(
          mib.contains("endswith(" + v + ", \"Gi\")")
              && mib.contains("trimsuffix(" + v + ", \"Gi\")) * 1024")
              && mib.contains("trimsuffix(" + v + ", \"Mi\")"),
          mib);
      // Only Mi and Gi get through the variable's validation, so the expression covers all.
      String validation =
          t.variables()
              .get(memoryVariable.get(fn))
              .path("validation")
              .get(0)
              .path("condition")
              .asText();
      assertTrue(validation.contains("(Mi|Gi)$"), validation);
    }
    // The options as the JVM reads them, at the launcher's default 2Gi.
    assertEquals("2Gi", t.variables().get("launcher_memory").path("default").asText());
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Commands.Result r =
        Commands.run(
            root,
            Map.of(),
            Duration.ofMinutes(1),
            javaBin,
            "-XX:MaxRAM=2048m",
            "-XX:MaxRAMPercentage=" + percent,
            "-XX:+PrintFlagsFinal",
            "-version");
    assertEquals(0, r.exitCode(), r.describe());
    Matcher heap = Pattern.compile("MaxHeapSize\\s*=\\s*(\\d+)").matcher(r.stdout());
    assertTrue(heap.find(), r.stdout());
    long bytes = Long.parseLong(heap.group(1));
    long expected = 2048L * 1024 * 1024 * percent / 100;
    assertTrue(
        Math.abs(bytes - expected) < 8L * 1024 * 1024,
        "heap " + bytes + " bytes, expected about " + expected);
  }

  @Test
  void softDeleteKeepsNoTemporariesAndIsChosenForTheData() {
    TerraformWiring t = tf();
    JsonNode pipeline =
        TerraformWiring.block(
            t.resource("google_storage_bucket", "pipeline"), "soft_delete_policy");
    assertEquals(
        0, pipeline.path("retention_duration_seconds").asInt(-1), "temporaries are not kept");
    JsonNode data =
        TerraformWiring.block(t.resource("google_storage_bucket", "data"), "soft_delete_policy");
    assertEquals(
        "${var.data_soft_delete_retention_days * 86400}",
        data.path("retention_duration_seconds").asText());
    JsonNode days = t.variables().get("data_soft_delete_retention_days");
    assertEquals(7, days.path("default").asInt(), "Cloud Storage's own default, stated");
    assertTrue(days.has("validation"));
    // Build logs expire with staging.
    boolean logsExpire = false;
    for (JsonNode rule : t.resource("google_storage_bucket", "pipeline").path("lifecycle_rule")) {
      if (TerraformWiring.block(rule, "condition")
          .path("matches_prefix")
          .toString()
          .contains("${local.build_logs_folder}")) {
        logsExpire = true;
      }
    }
    assertTrue(logsExpire, "build-logs/ objects are deleted by a lifecycle rule");
  }

  /**
   * The first apply waits for its grants before anything that needs them: the builds (builder
   * role), the bucket notifications (Cloud Storage agent publishing), the triggers (eventReceiver,
   * token creator) and the Dataflow status trigger (run.invoker on the verifier).
   */
  @Test
  void grantsPropagateBeforeBuildsNotificationsAndTriggers() {
    TerraformWiring t = tf();
    JsonNode before = t.resource("time_sleep", "iam_propagation");
    assertEquals("${var.iam_propagation_wait}", before.path("create_duration").asText());
    Set<String> waitedFor = new TreeSet<>();
    before.path("depends_on").forEach(d -> waitedFor.add(d.asText()));
    // Every grant that does not itself need a function is waited for.
    List<String> missing = new ArrayList<>();
    for (String type :
        List.of(
            "google_project_iam_member",
            "google_storage_bucket_iam_member",
            "google_pubsub_topic_iam_member",
            "google_service_account_iam_member")) {
      for (Map.Entry<String, JsonNode> grant : t.resources(type).entrySet()) {
        String member = grant.getValue().path("member").asText();
        boolean needed =
            member.contains("builder")
                || member.contains("_trigger")
                || member.contains("google_storage_project_service_account")
                || member.contains("google_project_service_identity.pubsub")
                    && type.equals("google_service_account_iam_member");
        if (needed && !waitedFor.contains("${" + type + "." + grant.getKey() + "}")) {
          missing.add(type + "." + grant.getKey());
        }
      }
    }
    assertEquals(List.of(), missing, "grants the builds and triggers need, not waited for");
    for (String fn : List.of("launch", "verify")) {
      assertTrue(
          dependsOn(
              t.resource("google_cloudfunctions2_function", fn), "time_sleep.iam_propagation"),
          fn + " builds after the pause");
    }
    for (String n : List.of("marker", "manifest")) {
      assertTrue(
          dependsOn(t.resource("google_storage_notification", n), "time_sleep.iam_propagation"), n);
    }
    JsonNode after = t.resource("time_sleep", "invoker_propagation");
    for (String g :
        List.of("launch_trigger_invoker", "verify_trigger_invoker", "status_trigger_invoker")) {
      assertTrue(dependsOn(after, "google_cloud_run_v2_service_iam_member." + g), g);
    }
    assertTrue(
        dependsOn(
            t.resource("google_eventarc_trigger", "dataflow_status"),
            "time_sleep.invoker_propagation"));
    // The time provider is declared where the module and the example pin providers.
    for (String f : List.of("versions.tf", "examples/basic/versions.tf")) {
      JsonNode providers =
          t.files().get(f).path("terraform").get(0).path("required_providers").get(0);
      assertEquals("hashicorp/time", providers.path("time").path("source").asText(), f);
    }
  }

  private static boolean dependsOn(JsonNode resource, String address) {
    for (JsonNode d : resource.path("depends_on")) {
      if (d.asText().equals("${" + address + "}")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Private IPs without Private Google Access leave the first job unable to pull its image: a check
   * block reads the workers' subnetwork and warns with the command that fixes it.
   */
  @Test
  void plansWarnWhenTheWorkersSubnetworkLacksPrivateGoogleAccess() {
    JsonNode check =
        tf().files().get("checks.tf").path("check").path("workers_private_google_access").get(0);
    JsonNode subnet = check.path("data").path("google_compute_subnetwork").path("workers").get(0);
    assertEquals(
        "${var.subnetwork == \"\" ? \"default\" : reverse(split(\"/\", var.subnetwork))[0]}",
        subnet.path("name").asText());
    assertEquals("${var.region}", subnet.path("region").asText());
    JsonNode assertion = check.path("assert").get(0);
    assertEquals(
        "${!var.private_ips || data.google_compute_subnetwork.workers.private_ip_google_access}",
        assertion.path("condition").asText());
    assertTrue(
        assertion.path("error_message").asText().contains("--enable-private-ip-google-access"));
  }

  /** eventarc_direct invokes both functions per finalized object: one instance takes several. */
  @Test
  void directTriggersShareInstancesNotificationsDoNot() {
    TerraformWiring t = tf();
    assertEquals(
        "${local.direct ? var.direct_trigger_concurrency : 1}",
        t.locals().get("request_concurrency").asText());
    for (String fn : List.of("launch", "verify")) {
      assertEquals(
          "${local.request_concurrency}",
          TerraformWiring.block(t.resource("google_cloudfunctions2_function", fn), "service_config")
              .path("max_instance_request_concurrency")
              .asText(),
          fn);
    }
    assertTrue(t.variables().get("direct_trigger_concurrency").path("default").asInt() > 1);
  }

  /** A module used from a git source finds no jar beside it and says to set functions_jar. */
  @Test
  void aModuleFromAGitSourceAsksForTheFunctionsJar() throws IOException {
    TerraformWiring t = tf();
    assertEquals(
        "${strcontains(path.module, \".terraform/modules/\")}",
        t.locals().get("remote_source").asText());
    JsonNode precondition =
        t.files()
            .get("functions.tf")
            .path("data")
            .path("archive_file")
            .path("functions")
            .get(0)
            .path("lifecycle")
            .get(0)
            .path("precondition")
            .get(0);
    String message = precondition.path("error_message").asText();
    assertTrue(message.contains("local.remote_source"), message);
    assertTrue(message.contains("git or registry source") && message.contains("set functions_jar"));
    assertTrue(precondition.path("condition").asText().contains("fileexists(f)"));
    String readme = Files.readString(root.resolve("terraform/README.md"));
    assertTrue(
        Pattern.compile(
                "(?s)source\\s*=\\s*\"git::[^\"]+//terraform[^\"]*\".{0,400}functions_jar\\s*=")
            .matcher(readme)
            .find(),
        "terraform/README.md shows a git source with functions_jar");
  }

  /**
   * roles/dataflow.worker reaches every bucket of the project (storage.objects.get and create), so
   * the README must not claim the worker's writes are limited, and must say what the conditions do
   * and do not stop; the same for roles/dataflow.developer's cancel.
   */
  @Test
  void theReadmeSaysWhatTheWorkerAndLauncherRolesReallyAllow() throws IOException {
    String readme = Files.readString(root.resolve("terraform/README.md"));
    assertFalse(
        readme.contains("Writes are\nlimited with IAM conditions"), "the old claim is gone");
    String workerRow =
        readme
            .lines()
            .filter(l -> l.startsWith("| `worker` | roles/dataflow.worker |"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        workerRow.contains("storage.objects.get") && workerRow.contains("storage.objects.create"),
        workerRow);
    assertTrue(readme.contains("## What the worker account can do"), "section present");
    String developerRow =
        readme
            .lines()
            .filter(l -> l.startsWith("| `launcher` | roles/dataflow.developer |"))
            .findFirst()
            .orElseThrow();
    assertTrue(developerRow.contains("cancel"), developerRow);
  }

  // --- Flex Template packaging ------------------------------------------------------------------

  @Test
  void flexTemplateBuildDryRunNamesTheMetadataMainClassAndJar() throws IOException {
    Component.BASH.require(Commands.available(root, "bash", "-c", "true"), "no bash on PATH");
    Commands.Result r =
        Commands.run(
            root,
            Map.of(),
            Duration.ofMinutes(1),
            "bash",
            "tools/flex-template/build",
            "--dry-run",
            "--project",
            "my-project-1",
            "--region",
            "europe-west4",
            "--repository",
            "splitflow-images",
            "--bucket",
            "my-pipeline-bucket",
            "--tag",
            "t1");
    assertEquals(0, r.exitCode(), r.describe());
    List<String> lines = r.stdout().lines().toList();
    assertEquals(2, lines.size(), r.stdout());
    List<String> maven = Arrays.asList(lines.get(0).split(" "));
    assertEquals("mvn", maven.get(0));
    assertTrue(maven.containsAll(List.of("-pl", "pipeline", "-am", "package")), lines.get(0));

    List<String> gcloud = Arrays.asList(lines.get(1).split(" "));
    assertEquals(List.of("gcloud", "dataflow", "flex-template", "build"), gcloud.subList(0, 4));
    assertEquals("gs://my-pipeline-bucket/templates/splitflow.json", gcloud.get(4));
    assertEquals("JAVA", flag(gcloud, "--sdk-language"));
    assertEquals(
        "europe-west4-docker.pkg.dev/my-project-1/splitflow-images/splitflow-pipeline:t1",
        flag(gcloud, "--image-gcr-path"));
    assertTrue(
        flag(gcloud, "--flex-template-base-image")
            .matches(
                "gcr\\.io/dataflow-templates-base/java17-template-launcher-base:\\d{8}_RC\\d\\d"),
        "a pinned, dated Java 17 base image: " + flag(gcloud, "--flex-template-base-image"));

    Path metadata = root.resolve(flag(gcloud, "--metadata-file"));
    assertEquals(root.resolve("pipeline/src/main/resources/flex-template/metadata.json"), metadata);
    assertTrue(Files.isRegularFile(metadata));

    List<String> envs = flags(gcloud, "--env");
    String mainClass = envs.get(0);
    assertEquals("FLEX_TEMPLATE_JAVA_MAIN_CLASS=dev.splitflow.pipeline.SplitPipeline", mainClass);
    // The launcher VM's JVM gets a heap sized by the launcher machine type, not 25 % of it.
    assertEquals(List.of(mainClass, "FLEX_TEMPLATE_JAVA_OPTIONS=-XX:MaxRAMPercentage=70"), envs);
    // The image is built as the module's builder account, with the log folder such a build needs.
    assertEquals(
        "projects/my-project-1/serviceAccounts/splitflow-builder@my-project-1.iam.gserviceaccount.com",
        flag(gcloud, "--cloud-build-service-account"));
    assertEquals("gs://my-pipeline-bucket/build-logs/", flag(gcloud, "--gcs-log-dir"));
    String className = mainClass.substring(mainClass.indexOf('=') + 1);
    Path source = root.resolve("pipeline/src/main/java/" + className.replace('.', '/') + ".java");
    assertTrue(Files.isRegularFile(source), source + " exists");
    assertTrue(
        Files.readString(source).contains("public static void main(String[] args)"),
        className + " has a main");

    String jarName = flag(gcloud, "--jar");
    assertEquals("pipeline/target/splitflow-pipeline-" + projectVersion() + "-all.jar", jarName);
    Path jar = root.resolve(jarName);
    if (Files.isRegularFile(jar)) {
      try (ZipFile z = new ZipFile(jar.toFile())) {
        assertNotNull(
            z.getEntry(className.replace('.', '/') + ".class"), jarName + " holds " + className);
      }
    } else if (CI) {
      fail(jarName + " is missing: CI builds the pipeline module before this one");
    }

    // The outputs the script reads exist in the module and the example root.
    String script = Files.readString(root.resolve("tools/flex-template/build"));
    Matcher m = Pattern.compile("tf_output ([a-z_]+)\\)").matcher(script);
    Set<String> read = new TreeSet<>();
    while (m.find()) {
      read.add(m.group(1));
    }
    assertEquals(
        Set.of(
            "project_id",
            "flex_template_image",
            "template_spec_gcs_path",
            "builder_service_account",
            "build_logs_dir"),
        read);
    if (tf != null) {
      assertTrue(tf.outputs("").keySet().containsAll(read));
      assertTrue(tf.outputs("examples/basic/").keySet().containsAll(read));
      assertEquals(
          "${google_service_account.builder.id}",
          tf.outputs("").get("builder_service_account").path("value").asText(),
          "projects/P/serviceAccounts/EMAIL, the form Cloud Build takes");
      assertEquals(
          "gs://${local.pipeline_bucket}/${local.build_logs_folder}",
          tf.locals().get("build_logs_dir").asText());
      assertEquals("build-logs/", tf.locals().get("build_logs_folder").asText());
    }

    // Opting out of the builder account drops both options.
    Commands.Result plain =
        Commands.run(
            root,
            Map.of(),
            Duration.ofMinutes(1),
            "bash",
            "tools/flex-template/build",
            "--dry-run",
            "--skip-maven",
            "--project",
            "my-project-1",
            "--region",
            "europe-west4",
            "--repository",
            "splitflow-images",
            "--bucket",
            "my-pipeline-bucket",
            "--default-build-account");
    assertEquals(0, plain.exitCode(), plain.describe());
    assertFalse(plain.stdout().contains("--cloud-build-service-account"), plain.stdout());
    assertFalse(plain.stdout().contains("--gcs-log-dir"), plain.stdout());
  }

  private static List<String> flags(List<String> args, String name) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals(name)) {
        values.add(args.get(i + 1));
      }
    }
    return values;
  }

  private static String flag(List<String> args, String name) {
    int i = args.indexOf(name);
    assertTrue(i >= 0 && i + 1 < args.size(), "command has " + name + ": " + args);
    return args.get(i + 1);
  }

  // --- Formatting and the Terraform CLI ----------------------------------------------------------

  /**
   * {@code terraform fmt -check} without a Terraform binary: HashiCorp's hclwrite formatter (npm
   * {@code @cdktf/hcl-tools}), the one terraform fmt is built on, over every file. Skipped outside
   * CI without Node.js or tools/hcl/node_modules, failed in CI.
   */
  @Test
  void everyTerraformFileIsFormatted() throws IOException {
    tf();
    Commands.Result r =
        Commands.run(
            root, Map.of(), Duration.ofMinutes(2), "node", "tools/hcl/fmt-check.mjs", "terraform");
    assertEquals(0, r.exitCode(), "node tools/hcl/fmt-check.mjs terraform:\n" + r.describe());
    // And the check notices a misaligned file.
    Path dir = Files.createTempDirectory("splitflow-fmt");
    try {
      Files.writeString(dir.resolve("bad.tf"), "locals {\n  a   = 1\n  bb = 2\n}\n");
      Commands.Result bad =
          Commands.run(
              root,
              Map.of(),
              Duration.ofMinutes(2),
              "node",
              "tools/hcl/fmt-check.mjs",
              dir.toString());
      assertEquals(1, bad.exitCode(), bad.describe());
      assertTrue(bad.stderr().contains("bad.tf:2:"), bad.stderr());
    } finally {
      Files.deleteIfExists(dir.resolve("bad.tf"));
      Files.deleteIfExists(dir);
    }
  }

  /**
   * Every argument and nested block of every resource and data source exists in its provider's
   * schema (tools/hcl/provider-schema.json, from the google 6.50.0, google-beta, time and archive
   * providers' generated bindings): the unknown-argument check of {@code terraform validate}.
   */
  @Test
  void everyArgumentExistsInItsProvidersSchema() throws IOException {
    TerraformWiring t = tf();
    JsonNode snapshot = JSON.readTree(root.resolve("tools/hcl/provider-schema.json").toFile());
    ProviderSchema schema = new ProviderSchema(snapshot);
    assertEquals(List.of(), schema.problems(t.moduleFilesByName()));
    assertTrue(
        snapshot.path("sources").path("resource google_storage_bucket").asText().contains("6."),
        "the snapshot is of a 6.x google provider, the version versions.tf allows");
    // It notices a misspelt argument, a misplaced one inside a block, and an unknown type.
    TerraformWiring tampered = t.copy();
    ((ObjectNode)
            TerraformWiring.block(
                tampered.mutableResource("google_storage_bucket", "pipeline"),
                "soft_delete_policy"))
        .put("retention_days", 0);
    tampered.mutableResource("google_eventarc_trigger", "dataflow_status").put("destinaton", "x");
    ObjectNode unknown = JSON.createObjectNode();
    unknown.put("name", "x");
    tampered.addResource("google_made_up", "x", unknown);
    // ...and a required argument gone.
    tampered.mutableResource("google_eventarc_trigger", "dataflow_status").remove("location");
    List<String> problems = schema.problems(tampered.moduleFilesByName());
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(
        problems.contains(
            "triggers.tf: resource google_eventarc_trigger.dataflow_status: missing required"
                + " argument location"),
        problems.toString());
    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.endsWith(
                        "google_storage_bucket.pipeline.soft_delete_policy: unknown argument retention_days")),
        problems.toString());
  }

  // --- Helpers
  // ------------------------------------------------------------------------------------

  private static JsonNode metadata() throws IOException {
    return JSON.readTree(
        root.resolve("pipeline/src/main/resources/flex-template/metadata.json").toFile());
  }

  /** The root pom's own version, as Maven names the jars. */
  private static String projectVersion() throws IOException {
    String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("<artifactId>splitflow-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertTrue(m.find(), "version in pom.xml");
    return m.group(1);
  }

  /** The repository: surefire's splitflow.repo.root, else up from the working directory. */
  static Path repoRoot() {
    String prop = System.getProperty("splitflow.repo.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, "terraform"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        p != null;
        p = p.getParent()) {
      if (Files.isDirectory(p.resolve("terraform")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (with terraform/) above "
            + System.getProperty("user.dir"));
  }
}
