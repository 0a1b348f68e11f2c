package dev.splitflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Terraform module's IAM role bindings, by principal, and their differences from the table
 * documented in terraform/README.md ({@code TerraformIamTest.ROLES}). Returns problems instead of
 * failing, like {@link TerraformWiring}.
 */
final class IamBindings {
  private static final Pattern SERVICE_ACCOUNT_MEMBER =
      Pattern.compile("^\\$\\{google_service_account\\.([a-z0-9_]+)\\.member\\}$");

  private IamBindings() {}

  /**
   * Every role binding in the module, by principal: {@code ROLE on SCOPE [if CONDITION-TITLE]}.
   * Principals are the module's service accounts (by resource name) and the Google service agents
   * {@code gcs-agent} and {@code pubsub-agent}. Unknown members or scopes become entries starting
   * with "?" so they never match a table.
   */
  static SortedMap<String, SortedSet<String>> roleBindings(
      TerraformWiring tf, List<String> problems) {
    SortedMap<String, SortedSet<String>> out = new TreeMap<>();
    for (Map.Entry<String, SortedMap<String, JsonNode>> t : tf.allResources().entrySet()) {
      String type = t.getKey();
      if (type.endsWith("_iam_binding") || type.endsWith("_iam_policy")) {
        problems.add(
            "authoritative IAM resource type "
                + type
                + " ("
                + t.getValue().keySet()
                + "): use *_iam_member so other grants on the resource are kept");
        continue;
      }
      if (!type.endsWith("_iam_member")) {
        continue;
      }
      for (Map.Entry<String, JsonNode> r : t.getValue().entrySet()) {
        JsonNode b = r.getValue();
        String where = type + "." + r.getKey();
        String role = b.path("role").asText("");
        if (!role.startsWith("roles/")) {
          problems.add(where + ": role must be a literal roles/..., found '" + role + "'");
        }
        String principal = principal(b.path("member").asText(""));
        if (principal.startsWith("?")) {
          problems.add(where + ": unknown member " + b.path("member"));
        }
        String scope = scope(type, b);
        if (scope.startsWith("?")) {
          problems.add(where + ": unknown scope " + scope);
        }
        JsonNode condition = TerraformWiring.block(b, "condition");
        String entry = role + " on " + scope;
        if (!condition.isMissingNode()) {
          entry += " if " + condition.path("title").asText("?untitled");
          if (condition.path("expression").asText("").isEmpty()) {
            problems.add(where + ": condition without an expression");
          }
        }
        out.computeIfAbsent(principal, p -> new TreeSet<>()).add(entry);
      }
    }
    return out;
  }

  /** Differences between the module's role bindings and the documented table. */
  static List<String> problems(
      TerraformWiring tf, Map<String, ? extends Collection<String>> table) {
    List<String> problems = new ArrayList<>();
    SortedMap<String, SortedSet<String>> actual = roleBindings(tf, problems);
    for (Map.Entry<String, SortedSet<String>> e : actual.entrySet()) {
      for (String binding : e.getValue()) {
        String role = binding.substring(0, binding.indexOf(' '));
        if (Set.of("roles/owner", "roles/editor", "roles/viewer").contains(role)) {
          problems.add(e.getKey() + ": primitive role " + binding);
        }
        if (role.equals("roles/storage.admin")) {
          problems.add(e.getKey() + ": storage admin " + binding);
        }
      }
    }
    Set<String> principals = new TreeSet<>(table.keySet());
    principals.addAll(actual.keySet());
    for (String p : principals) {
      Set<String> want = table.containsKey(p) ? new TreeSet<>(table.get(p)) : Set.of();
      Set<String> have = actual.getOrDefault(p, new TreeSet<>());
      for (String b : have) {
        if (!want.contains(b)) {
          problems.add(p + " holds " + b + ", which the documented table does not list");
        }
      }
      for (String b : want) {
        if (!have.contains(b)) {
          problems.add(p + " should hold " + b + " (documented) but Terraform does not grant it");
        }
      }
    }
    for (String sa : tf.resources("google_service_account").keySet()) {
      if (!table.containsKey(sa)) {
        problems.add("service account " + sa + " is not in the documented table");
      }
    }
    return problems;
  }

  private static String principal(String member) {
    Matcher sa = SERVICE_ACCOUNT_MEMBER.matcher(member);
    if (sa.matches()) {
      return sa.group(1);
    }
    if (member.matches(
        "^serviceAccount:\\$\\{data\\.google_storage_project_service_account\\.[a-z0-9_]+\\.email_address\\}$")) {
      return "gcs-agent";
    }
    if (member.matches(
        "^serviceAccount:\\$\\{google_project_service_identity\\.pubsub\\.email\\}$")) {
      return "pubsub-agent";
    }
    return "?" + member;
  }

  private static String scope(String type, JsonNode b) {
    return switch (type) {
      case "google_project_iam_member" -> "project";
      case "google_storage_bucket_iam_member" ->
          switch (b.path("bucket").asText()) {
            case "${local.data_bucket}" -> "bucket:data";
            case "${local.pipeline_bucket}" -> "bucket:pipeline";
            default -> "?bucket " + b.path("bucket").asText();
          };
      case "google_pubsub_topic_iam_member" ->
          named("topic", "google_pubsub_topic", b.path("topic").asText());
      case "google_pubsub_subscription_iam_member" ->
          named("subscription", "google_pubsub_subscription", b.path("subscription").asText());
      case "google_service_account_iam_member" ->
          named("service-account", "google_service_account", b.path("service_account_id").asText());
      case "google_cloud_run_v2_service_iam_member" ->
          named("run-service", "google_cloudfunctions2_function", b.path("name").asText());
      case "google_artifact_registry_repository_iam_member" ->
          named("repository", "google_artifact_registry_repository", b.path("repository").asText());
      default -> "?" + type;
    };
  }

  private static String named(String label, String type, String expression) {
    Matcher m =
        Pattern.compile("^\\$\\{" + type + "\\.([a-z0-9_]+)(\\[0\\])?\\.").matcher(expression);
    return m.find() ? label + ":" + m.group(1) : "?" + label + " " + expression;
  }
}
