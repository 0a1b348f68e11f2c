package dev.splitflow.deploy;

import static dev.splitflow.deploy.TerraformModule.JSON;
import static dev.splitflow.deploy.TerraformModule.tf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform module's IAM: every account holds exactly the roles terraform/README.md documents
 * ({@link #ROLES}), write conditions are scoped to their objects, grants propagate before what
 * needs them, and the README says what the roles really allow.
 */
class TerraformIamTest {
  private static Path root;

  @BeforeAll
  static void parseTerraform() throws IOException {
    root = TerraformModule.parse();
  }

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

  @Test
  void everyAccountHoldsExactlyTheDocumentedRoles() {
    assertEquals(List.of(), IamBindings.problems(tf(), ROLES));
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
    List<String> problems = IamBindings.problems(tampered, ROLES);
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
        IamBindings.problems(authoritative, ROLES).stream()
            .anyMatch(p -> p.startsWith("authoritative")));
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
}
