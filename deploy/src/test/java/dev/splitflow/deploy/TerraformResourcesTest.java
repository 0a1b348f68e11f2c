package dev.splitflow.deploy;

import static dev.splitflow.deploy.TerraformModule.JSON;
import static dev.splitflow.deploy.TerraformModule.JVM_OPTIONS;
import static dev.splitflow.deploy.TerraformModule.tf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform module's resources and variables: private buckets and their lifecycle and soft
 * delete, the required APIs, the summary topic's Avro schema against the summaries the code makes,
 * typed and described variables passed by the example, the functions' heap and concurrency, the
 * subnetwork warning and the functions jar of a module used from a git source.
 */
class TerraformResourcesTest {
  private static Path root;

  @BeforeAll
  static void parseTerraform() throws IOException {
    root = TerraformModule.parse();
  }

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
    assertEquals(List.of(), AvroJson.problems(JSON.readTree(failed.toJson()), avsc));
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
    assertEquals(List.of(), AvroJson.problems(body, avsc));
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
    assertEquals(List.of(), AvroJson.problems(extension, avsc));
    ObjectNode noFlag = extension.deepCopy();
    ((ObjectNode) noFlag.get("lineage")).remove("extension");
    ((ObjectNode) noFlag.get("lineage").get("kept")).put("total", "7");
    assertEquals(
        List.of(
            "$.lineage.extension: missing", "$.lineage.kept.total: expected a long, found \"7\""),
        AvroJson.problems(noFlag, avsc));
    // A null where the schema wants a string, or a field the schema lacks, is rejected.
    ObjectNode tampered = body.deepCopy();
    tampered.putNull("job_id");
    tampered.put("extra", 1);
    assertEquals(
        List.of("$.job_id: expected a string, found null", "$.extra: not in the schema"),
        AvroJson.problems(tampered, avsc));
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
}
