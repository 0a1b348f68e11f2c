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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform files themselves: every {@code .tf} file parses with a real HCL parser and a broken
 * one does not, every reference is declared, every file is formatted as {@code terraform fmt} would
 * format it, and every argument exists in its provider's schema ({@link ProviderSchema}).
 */
class TerraformFilesTest {
  private static Path root;

  @BeforeAll
  static void parseTerraform() throws IOException {
    root = TerraformModule.parse();
  }

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
}
