package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Validates produced summaries against {@code docs/summary.schema.json}.
 *
 * <p>No JSON Schema validator is on the test classpath (and the pom stays as it is), so this test
 * carries a small structural checker for exactly the subset of draft 2020-12 the schema uses: type,
 * required, properties, additionalProperties (false), enum, items, minimum, plus the annotations
 * $schema, $id, title and description. Any other keyword in the schema fails the test, so the
 * schema cannot grow beyond what is checked here without the checker growing too.
 */
class SummarySchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CHECKED =
      Set.of("type", "required", "properties", "additionalProperties", "enum", "items", "minimum");
  private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description");

  private static JsonNode schema;

  static Path repoRoot() {
    String prop = System.getProperty("splitflow.repo.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, "docs"))) {
      return Path.of(prop);
    }
    for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        p != null;
        p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docs/summary.schema.json"))
          && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (docs/summary.schema.json) from splitflow.repo.root or "
            + System.getProperty("user.dir"));
  }

  @BeforeAll
  static void readSchema() throws IOException {
    schema = JSON.readTree(Files.readString(repoRoot().resolve("docs/summary.schema.json")));
  }

  // ---- the checker

  /** Problems of {@code value} against {@code s}, each with its JSON path; empty when valid. */
  static List<String> validate(JsonNode s, JsonNode value, String at) {
    List<String> problems = new ArrayList<>();
    check(s, value, at, problems);
    return problems;
  }

  private static void check(JsonNode s, JsonNode v, String at, List<String> problems) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!CHECKED.contains(k) && !ANNOTATIONS.contains(k)) {
        throw new IllegalArgumentException(
            "schema keyword '" + k + "' at " + at + " not supported");
      }
    }
    if (s.has("type") && !hasType(v, s.get("type").asText())) {
      problems.add(at + ": expected " + s.get("type").asText() + ", found " + v.getNodeType());
      return;
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) {
        found |= sameValue(e, v);
      }
      if (!found) {
        problems.add(at + ": " + v + " is not one of " + s.get("enum"));
      }
    }
    if (s.has("minimum")
        && v.isNumber()
        && v.decimalValue().compareTo(s.get("minimum").decimalValue()) < 0) {
      problems.add(at + ": " + v + " is below the minimum " + s.get("minimum"));
    }
    if (v.isObject()) {
      JsonNode props = s.path("properties");
      for (JsonNode r : s.path("required")) {
        if (!v.has(r.asText())) {
          problems.add(at + ": required property '" + r.asText() + "' is missing");
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (props.has(e.getKey())) {
          check(props.get(e.getKey()), e.getValue(), at + "." + e.getKey(), problems);
        } else if (s.has("additionalProperties")) {
          JsonNode ap = s.get("additionalProperties");
          if (ap.isBoolean() && !ap.asBoolean()) {
            problems.add(at + ": property '" + e.getKey() + "' is not allowed");
          } else if (ap.isObject()) {
            check(ap, e.getValue(), at + "." + e.getKey(), problems);
          }
        }
      }
    }
    if (v.isArray() && s.has("items")) {
      for (int i = 0; i < v.size(); i++) {
        check(s.get("items"), v.get(i), at + "[" + i + "]", problems);
      }
    }
  }

  private static boolean hasType(JsonNode v, String type) {
    return switch (type) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      case "number" -> v.isNumber();
      // 2020-12: an integer is any number with a zero fractional part.
      case "integer" ->
          v.isIntegralNumber()
              || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
      default -> throw new IllegalArgumentException("unknown type " + type);
    };
  }

  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static void assertValid(Summary s) throws IOException {
    JsonNode j = JSON.readTree(s.toJson());
    List<String> problems = validate(schema, j, "$");
    assertTrue(problems.isEmpty(), problems + " in " + j);
  }

  // ---- the schema itself

  @Test
  void schemaIsDraft202012() {
    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
    assertTrue(schema.hasNonNull("title"));
    assertTrue(schema.hasNonNull("description"));
  }

  @Test
  void everyObjectRequiresAllItsPropertiesAndNoOthers() {
    List<String> objects = new ArrayList<>();
    walkObjects(schema, "$", objects);
    assertEquals(
        List.of(
            "$",
            "$.splits[]",
            "$.strata[]",
            "$.lineage",
            "$.lineage.kept",
            "$.lineage.added",
            "$.lineage.removed",
            "$.failed_checks[]",
            "$.timings"),
        objects);
  }

  private static void walkObjects(JsonNode s, String at, List<String> seen) {
    if ("object".equals(s.path("type").asText())) {
      seen.add(at);
      Set<String> props = new HashSet<>();
      s.path("properties").fieldNames().forEachRemaining(props::add);
      Set<String> required = new HashSet<>();
      s.path("required").forEach(r -> required.add(r.asText()));
      assertEquals(props, required, "all properties required at " + at);
      assertEquals(
          JSON.getNodeFactory().booleanNode(false),
          s.get("additionalProperties"),
          "additionalProperties false at " + at);
      s.path("properties")
          .fields()
          .forEachRemaining(e -> walkObjects(e.getValue(), at + "." + e.getKey(), seen));
    }
    if (s.has("items")) {
      walkObjects(s.get("items"), at + "[]", seen);
    }
  }

  @Test
  void everyPropertyHasATypeAndADescription() {
    List<String> missing = new ArrayList<>();
    walkProperties(schema, "$", missing);
    assertTrue(missing.isEmpty(), missing.toString());
  }

  private static void walkProperties(JsonNode s, String at, List<String> missing) {
    if (!s.has("type")) {
      missing.add(at + " has no type");
    }
    s.path("properties")
        .fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().hasNonNull("description")) {
                missing.add(at + "." + e.getKey() + " has no description");
              }
              walkProperties(e.getValue(), at + "." + e.getKey(), missing);
            });
    if (s.has("items")) {
      walkProperties(s.get("items"), at + "[]", missing);
    }
  }

  @Test
  void enumsMatchTheCode() {
    JsonNode p = schema.get("properties");
    assertEquals(
        JSON.valueToTree(List.of(Summary.SUCCEEDED, Summary.FAILED)), p.get("status").get("enum"));
    assertEquals(
        JSON.valueToTree(List.of("", "marker", "indices", "launch", "job", "verify")),
        p.get("stage").get("enum"));
    assertEquals(
        JSON.valueToTree(List.of(Summary.SCHEMA_VERSION)), p.get("schema_version").get("enum"));
  }

  // ---- produced summaries

  @Test
  void succeededValidates() throws IOException {
    assertValid(SummaryTest.succeeded());
  }

  @Test
  void extensionValidates() throws IOException {
    assertValid(SummaryLineageTest.extensionSucceeded());
  }

  @Test
  void checkerRejectsALineageWithoutItsFlagOrWithANegativeCount() throws IOException {
    ObjectNode j = (ObjectNode) JSON.readTree(SummaryLineageTest.extensionSucceeded().toJson());
    ((ObjectNode) j.get("lineage")).put("extension", "true");
    assertInvalid(j, "$.lineage.extension: expected boolean");
    ObjectNode k = (ObjectNode) JSON.readTree(SummaryLineageTest.extensionSucceeded().toJson());
    ((ObjectNode) k.get("lineage")).remove("removed");
    assertInvalid(k, "$.lineage: required property 'removed'");
    ObjectNode l = (ObjectNode) JSON.readTree(SummaryLineageTest.extensionSucceeded().toJson());
    ((ObjectNode) l.get("lineage").get("added")).put("total", -3);
    assertInvalid(l, "below the minimum");
  }

  @Test
  void failedAtEachStageValidates() throws IOException {
    for (String stage : List.of("marker", "indices", "launch", "job", "verify")) {
      assertValid(SummaryTest.failedAt(stage));
    }
  }

  @Test
  void failedChecksValidate() throws IOException {
    assertValid(SummaryTest.verifyFailed());
  }

  @Test
  void failedWithNothingKnownValidates() throws IOException {
    assertValid(
        Summary.failedBuilder()
            .runId("sf-x")
            .dataset(null)
            .output(null)
            .stage(null)
            .reason(null)
            .job(null, null, null)
            .timings(Summary.Timings.of(null, null, SummaryTest.FINISHED))
            .build());
  }

  @Test
  void oneStratumRunValidates() throws IOException {
    Manifest m =
        Manifest.parse(
            """
            {"format": "splitflow-manifest", "version": 1,
             "splits": {"train": {"records": 2, "chunks": 1, "bytes": 10},
                        "val": {"records": 0, "chunks": 0, "bytes": 0},
                        "test": {"records": 0, "chunks": 0, "bytes": 0}},
             "strata": [{"stratum": {}, "key": "", "count": 2,
                         "target": {"train": 2, "val": 0, "test": 0},
                         "achieved": {"train": 2, "val": 0, "test": 0}}],
             "chunks": []}
            """,
            "m");
    assertValid(
        Summary.verified(
            "sf-y",
            "gs://b/",
            "gs://b/split/",
            m,
            new OutputVerifier.Report("gs://b/split/", List.of(), m, 0),
            "j",
            "n",
            "w",
            SummaryTest.timings()));
  }

  // ---- the checker rejects what the schema forbids (so the checks above mean something)

  private static ObjectNode producedJson() throws IOException {
    return (ObjectNode) JSON.readTree(SummaryTest.verifyFailed().toJson());
  }

  private static void assertInvalid(JsonNode j, String expected) {
    List<String> problems = validate(schema, j, "$");
    assertFalse(problems.isEmpty(), "expected a problem for " + expected);
    assertTrue(
        problems.stream().anyMatch(p -> p.contains(expected)),
        "expected '" + expected + "' in " + problems);
  }

  @Test
  void checkerRejectsAMissingField() throws IOException {
    ObjectNode j = producedJson();
    j.remove("job_id");
    assertInvalid(j, "'job_id' is missing");
    ObjectNode k = producedJson();
    ((ObjectNode) k.get("timings")).remove("seconds");
    assertInvalid(k, "$.timings: required property 'seconds'");
  }

  @Test
  void checkerRejectsAnExtraField() throws IOException {
    ObjectNode j = producedJson();
    j.put("patient_id", "123");
    assertInvalid(j, "'patient_id' is not allowed");
    ObjectNode k = producedJson();
    ((ObjectNode) k.get("failed_checks").get(0)).put("record", "x");
    assertInvalid(k, "$.failed_checks[0]: property 'record'");
  }

  @Test
  void checkerRejectsNullsAndWrongTypes() throws IOException {
    ObjectNode j = producedJson();
    j.putNull("reason");
    assertInvalid(j, "$.reason: expected string");
    ObjectNode k = producedJson();
    k.put("total_records", 1.5);
    assertInvalid(k, "$.total_records: expected integer");
    ObjectNode l = producedJson();
    ((ObjectNode) l.get("splits").get(0)).put("records", "7");
    assertInvalid(l, "$.splits[0].records: expected integer");
    ObjectNode m = producedJson();
    m.put("splits", "none");
    assertInvalid(m, "$.splits: expected array");
  }

  @Test
  void checkerRejectsValuesOutsideEnums() throws IOException {
    ObjectNode j = producedJson();
    j.put("status", "succeeded");
    assertInvalid(j, "$.status");
    ObjectNode k = producedJson();
    k.put("stage", "launching");
    assertInvalid(k, "$.stage");
    ObjectNode l = producedJson();
    ((ObjectNode) l.get("strata").get(0)).put("split", "validation");
    assertInvalid(l, "$.strata[0].split");
    ObjectNode m = producedJson();
    m.put("schema_version", 2);
    assertInvalid(m, "$.schema_version");
  }

  @Test
  void checkerRejectsNegativeCounts() throws IOException {
    ObjectNode j = producedJson();
    ((ObjectNode) j.get("splits").get(1)).put("bytes", -1);
    assertInvalid(j, "below the minimum");
  }

  @Test
  void checkerAcceptsIntegralDoublesAsIntegers() {
    JsonNode s = JSON.createObjectNode().put("type", "integer");
    assertTrue(validate(s, JSON.getNodeFactory().numberNode(3.0), "$").isEmpty());
    assertFalse(validate(s, JSON.getNodeFactory().numberNode(3.5), "$").isEmpty());
  }

  @Test
  void checkerRefusesKeywordsItDoesNotKnow() {
    ObjectNode s = JSON.createObjectNode().put("type", "string").put("pattern", "^a");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> validate(s, JSON.getNodeFactory().textNode("b"), "$"));
    assertTrue(e.getMessage().contains("pattern"), e.getMessage());
  }
}
