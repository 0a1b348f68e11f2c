package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.Split;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant MARKER = Instant.parse("2026-05-01T10:00:00Z");
  static final Instant LAUNCHED = Instant.parse("2026-05-01T10:00:12.500Z");
  static final Instant FINISHED = Instant.parse("2026-05-01T10:07:30.250Z");

  /** A small manifest of 10 records in two strata, as the pipeline writes it. */
  static final String MANIFEST_JSON =
      """
      {
        "format": "splitflow-manifest",
        "version": 1,
        "run_id": "sf-0123456789abcdef0123",
        "config": {"seed": 42, "ratios": "0.7,0.15,0.15", "chunk_size": 3},
        "indices": {"file": "stratification_indices.json", "sha256": "ab12", "bytes": 2048},
        "splits": {
          "train": {"records": 7, "chunks": 3, "bytes": 7000},
          "val": {"records": 2, "chunks": 1, "bytes": 2100},
          "test": {"records": 1, "chunks": 1, "bytes": 1050}
        },
        "strata": [
          {"stratum": {"view_position": "PA", "has:clinical_features": "true"},
           "key": "view_position=PA|has:clinical_features=true", "count": 6,
           "target": {"train": 4.2, "val": 0.9, "test": 0.9},
           "achieved": {"train": 4, "val": 1, "test": 1}},
          {"stratum": {"view_position": "AP", "has:clinical_features": "false"},
           "key": "view_position=AP|has:clinical_features=false", "count": 4,
           "target": {"train": 2.8, "val": 0.6, "test": 0.6},
           "achieved": {"train": 3, "val": 1, "test": 0}}
        ],
        "chunks": [
          {"name": "train_000.pt", "split": "train", "number": 0, "records": 3, "bytes": 3000,
           "crc32c": "AAAAAA==", "sha256": "00"},
          {"name": "train_001.pt", "split": "train", "number": 1, "records": 3, "bytes": 3000,
           "crc32c": "AAAAAA==", "sha256": "01"},
          {"name": "train_002.pt", "split": "train", "number": 2, "records": 1, "bytes": 1000,
           "crc32c": "AAAAAA==", "sha256": "02"},
          {"name": "val_000.pt", "split": "val", "number": 0, "records": 2, "bytes": 2100,
           "crc32c": "AAAAAA==", "sha256": "03"},
          {"name": "test_000.pt", "split": "test", "number": 0, "records": 1, "bytes": 1050,
           "crc32c": "AAAAAA==", "sha256": "04"}
        ]
      }
      """;

  static Manifest manifest() {
    return Manifest.parse(MANIFEST_JSON, "gs://b/d/split/_SPLIT_MANIFEST.json");
  }

  static Summary.Timings timings() {
    return Summary.Timings.of(MARKER, LAUNCHED, FINISHED);
  }

  static Summary succeeded() {
    Manifest m = manifest();
    return Summary.verified(
        "sf-0123456789abcdef0123",
        "gs://b/d/",
        "gs://b/d/split/",
        m,
        new OutputVerifier.Report("gs://b/d/split/", List.of(), m, 2),
        "2026-05-01_03_00_12-123",
        "splitflow-d-0123456789abcdef0123",
        "https://console.cloud.google.com/dataflow/jobs/europe-west4/2026?project=p",
        timings());
  }

  static Summary verifyFailed() {
    Manifest m = manifest();
    return Summary.verified(
        "sf-0123456789abcdef0123",
        "gs://b/d/",
        "gs://b/d/split/",
        m,
        new OutputVerifier.Report(
            "gs://b/d/split/",
            List.of(
                new OutputVerifier.Failure(
                    "chunk present", "val_000.pt is listed in the manifest but missing"),
                new OutputVerifier.Failure(
                    "chunk size", "train_001.pt has 12 bytes, expected 3000")),
            m,
            0),
        "job-1",
        "splitflow-d-0123456789abcdef0123",
        null,
        timings());
  }

  static Summary failedAt(String stage) {
    boolean launched = stage.equals("job") || stage.equals("verify");
    return Summary.failedBuilder()
        .runId("sf-0123456789abcdef0123")
        .dataset("gs://b/d/")
        .output("gs://b/d/split/")
        .stage(stage)
        .reason(
            "the "
                + stage
                + " stage failed: batch_3.pt record 17: field 'view_position' is missing")
        .job(
            launched ? "job-1" : null,
            stage.equals("marker") ? null : "splitflow-d-0123456789abcdef0123",
            launched ? "https://console.cloud.google.com/dataflow/jobs/r/job-1?project=p" : null)
        .timings(Summary.Timings.of(MARKER, launched ? LAUNCHED : null, FINISHED))
        .build();
  }

  static JsonNode json(Summary s) throws Exception {
    return JSON.readTree(s.toJson());
  }

  /** Every value anywhere in the tree is non-null. */
  static void assertNoNulls(JsonNode n, String at) {
    assertFalse(n.isNull() || n.isMissingNode(), "null at " + at);
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        assertNoNulls(e.getValue(), at + "." + e.getKey());
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        assertNoNulls(n.get(i), at + "[" + i + "]");
      }
    }
  }

  static final List<String> TOP_LEVEL =
      List.of(
          "schema_version",
          "run_id",
          "dataset",
          "output",
          "status",
          "stage",
          "reason",
          "job_id",
          "job_name",
          "where",
          "splits",
          "total_records",
          "total_bytes",
          "strata",
          "lineage",
          "failed_checks",
          "timings");

  static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  // ---- SUCCEEDED

  @Test
  void succeededSummary() throws Exception {
    Summary s = succeeded();
    assertEquals(Summary.SUCCEEDED, s.status());
    assertEquals("", s.stage());
    assertEquals("", s.reason());
    JsonNode j = json(s);
    assertEquals(TOP_LEVEL, fieldNames(j));
    assertNoNulls(j, "$");
    assertEquals(1, j.get("schema_version").asInt());
    assertEquals("sf-0123456789abcdef0123", j.get("run_id").asText());
    assertEquals("gs://b/d/", j.get("dataset").asText());
    assertEquals("gs://b/d/split/", j.get("output").asText());
    assertEquals("SUCCEEDED", j.get("status").asText());
    assertEquals("", j.get("stage").asText());
    assertEquals("", j.get("reason").asText());
    assertEquals("2026-05-01_03_00_12-123", j.get("job_id").asText());
    assertEquals("splitflow-d-0123456789abcdef0123", j.get("job_name").asText());
    assertTrue(j.get("where").asText().startsWith("https://console.cloud.google.com/"));

    JsonNode splits = j.get("splits");
    assertEquals(3, splits.size());
    assertEquals(
        JSON.readTree(
            "[{\"split\":\"train\",\"records\":7,\"chunks\":3,\"bytes\":7000},"
                + "{\"split\":\"val\",\"records\":2,\"chunks\":1,\"bytes\":2100},"
                + "{\"split\":\"test\",\"records\":1,\"chunks\":1,\"bytes\":1050}]"),
        splits);
    assertEquals(10, j.get("total_records").asLong());
    assertEquals(10150, j.get("total_bytes").asLong());

    JsonNode strata = j.get("strata");
    assertEquals(6, strata.size(), "two strata x three splits");
    JsonNode first = strata.get(0);
    assertEquals(List.of("stratum", "split", "target", "achieved"), fieldNames(first));
    assertEquals("view_position=PA|has:clinical_features=true", first.get("stratum").asText());
    assertEquals("train", first.get("split").asText());
    assertEquals(4.2, first.get("target").asDouble());
    assertEquals(4, first.get("achieved").asLong());
    JsonNode last = strata.get(5);
    assertEquals("view_position=AP|has:clinical_features=false", last.get("stratum").asText());
    assertEquals("test", last.get("split").asText());
    assertEquals(0.6, last.get("target").asDouble());
    assertEquals(0, last.get("achieved").asLong());

    assertEquals(0, j.get("failed_checks").size());
    JsonNode t = j.get("timings");
    assertEquals(List.of("marker", "launched", "finished", "seconds"), fieldNames(t));
    assertEquals("2026-05-01T10:00:00Z", t.get("marker").asText());
    assertEquals("2026-05-01T10:00:12.500Z", t.get("launched").asText());
    assertEquals("2026-05-01T10:07:30.250Z", t.get("finished").asText());
    assertEquals(450.25, t.get("seconds").asDouble());
  }

  @Test
  void typesInTheJson() throws Exception {
    JsonNode j = json(succeeded());
    assertTrue(j.get("schema_version").isInt());
    for (String f :
        List.of("run_id", "dataset", "output", "status", "stage", "reason", "job_id", "job_name")) {
      assertTrue(j.get(f).isTextual(), f);
    }
    assertTrue(j.get("where").isTextual());
    assertTrue(j.get("total_records").isIntegralNumber());
    assertTrue(j.get("total_bytes").isIntegralNumber());
    JsonNode sp = j.get("splits").get(0);
    assertTrue(sp.get("records").isIntegralNumber());
    assertTrue(sp.get("chunks").isIntegralNumber());
    assertTrue(sp.get("bytes").isIntegralNumber());
    JsonNode st = j.get("strata").get(0);
    assertTrue(st.get("target").isNumber());
    assertTrue(st.get("achieved").isIntegralNumber());
    assertTrue(j.get("timings").get("seconds").isNumber());
  }

  @Test
  void attributes() {
    Summary s = succeeded();
    assertEquals(
        Map.of("status", "SUCCEEDED", "run_id", "sf-0123456789abcdef0123", "dataset", "gs://b/d/"),
        s.attributes());
    assertEquals(List.of("status", "run_id", "dataset"), List.copyOf(s.attributes().keySet()));
    assertEquals("FAILED", failedAt("marker").attributes().get("status"));
  }

  // ---- FAILED by the verifier

  @Test
  void verifiedWithFailedChecks() throws Exception {
    Summary s = verifyFailed();
    assertEquals(Summary.FAILED, s.status());
    assertEquals("verify", s.stage());
    assertTrue(
        s.reason().startsWith("2 output checks failed: chunk present: val_000.pt"), s.reason());
    assertTrue(s.reason().endsWith("; ..."), s.reason());
    JsonNode j = json(s);
    assertEquals(TOP_LEVEL, fieldNames(j));
    assertNoNulls(j, "$");
    assertEquals("", j.get("where").asText(), "null where is \"\"");
    JsonNode fc = j.get("failed_checks");
    assertEquals(2, fc.size());
    assertEquals(List.of("check", "reason"), fieldNames(fc.get(0)));
    assertEquals("chunk present", fc.get(0).get("check").asText());
    assertEquals(
        "val_000.pt is listed in the manifest but missing", fc.get(0).get("reason").asText());
    assertEquals("chunk size", fc.get(1).get("check").asText());
    // Counts are still reported: they are the manifest's.
    assertEquals(3, j.get("splits").size());
    assertEquals("FAILED", s.attributes().get("status"));
  }

  @Test
  void verifiedWithOneFailedCheckHasNoEllipsis() {
    Manifest m = manifest();
    Summary s =
        Summary.verified(
            "sf-1",
            "gs://b/d/",
            "gs://b/d/split/",
            m,
            new OutputVerifier.Report(
                "loc", List.of(new OutputVerifier.Failure("strata", "off by 2")), m, 0),
            null,
            null,
            null,
            timings());
    assertTrue(s.reason().endsWith("strata: off by 2"), s.reason());
    assertEquals("", s.jobId());
    assertEquals("", s.jobName());
    assertEquals("", s.where());
  }

  @Test
  void manifestWithoutStrata() throws Exception {
    Manifest m =
        Manifest.parse(
            "{\"format\":\"splitflow-manifest\",\"version\":1,\"splits\":{},\"chunks\":[]}", "m");
    Summary s =
        Summary.verified(
            "sf-2",
            "gs://b/d/",
            "gs://b/d/split/",
            m,
            new OutputVerifier.Report("loc", List.of(), m, 0),
            "j",
            "n",
            "w",
            timings());
    JsonNode j = json(s);
    assertNoNulls(j, "$");
    assertEquals(0, j.get("strata").size());
    assertEquals(3, j.get("splits").size(), "train, val and test with zeros");
    assertEquals(0, j.get("total_records").asLong());
  }

  // ---- FAILED before a manifest

  @Test
  void failedAtEveryStage() throws Exception {
    for (String stage : List.of("marker", "indices", "launch", "job", "verify")) {
      Summary s = failedAt(stage);
      assertEquals(Summary.FAILED, s.status());
      JsonNode j = json(s);
      assertEquals(TOP_LEVEL, fieldNames(j), stage);
      assertNoNulls(j, stage);
      assertEquals(stage, j.get("stage").asText());
      assertEquals("FAILED", j.get("status").asText());
      assertTrue(j.get("reason").asText().contains("batch_3.pt"));
      assertEquals(0, j.get("splits").size());
      assertEquals(0, j.get("strata").size());
      assertEquals(0, j.get("failed_checks").size());
      assertEquals(0, j.get("total_records").asLong());
      assertEquals(0, j.get("total_bytes").asLong());
    }
  }

  @Test
  void failedWithNothingKnownHasEmptyTextAndZeros() throws Exception {
    Summary s =
        Summary.failedBuilder()
            .runId("sf-3")
            .dataset(null)
            .output(null)
            .stage(null)
            .reason(null)
            .job(null, null, null)
            .timings(Summary.Timings.of(null, null, FINISHED))
            .build();
    JsonNode j = json(s);
    assertNoNulls(j, "$");
    for (String f :
        List.of("dataset", "output", "stage", "reason", "job_id", "job_name", "where")) {
      assertEquals("", j.get(f).asText(), f);
    }
    assertEquals("", j.get("timings").get("marker").asText());
    assertEquals("", j.get("timings").get("launched").asText());
    assertEquals(0.0, j.get("timings").get("seconds").asDouble());
    s.attributes().values().forEach(v -> assertTrue(v != null, "attribute values are never null"));
  }

  @Test
  void failedBeforeLaunch() throws Exception {
    JsonNode j = json(failedAt("marker"));
    assertEquals("", j.get("job_id").asText());
    assertEquals("", j.get("job_name").asText());
    assertEquals("", j.get("where").asText());
    assertEquals("", j.get("timings").get("launched").asText());
    assertEquals("2026-05-01T10:00:00Z", j.get("timings").get("marker").asText());
  }

  @Test
  void timingsOf() {
    Summary.Timings t = Summary.Timings.of(MARKER, null, MARKER.plusMillis(1500));
    assertEquals("2026-05-01T10:00:00Z", t.marker());
    assertEquals("", t.launched());
    assertEquals("2026-05-01T10:00:01.500Z", t.finished());
    assertEquals(1.5, t.seconds());
  }

  @Test
  void listsAreCopied() {
    List<Summary.SplitCount> splits = new ArrayList<>();
    splits.add(new Summary.SplitCount(Split.TRAIN, 1, 1, 1));
    Summary s =
        new Summary(
            "sf-4",
            "d",
            "o",
            Summary.SUCCEEDED,
            "",
            "",
            "",
            "",
            "",
            splits,
            List.of(),
            Summary.Lineage.NONE,
            List.of(),
            timings());
    splits.clear();
    assertEquals(1, s.splits().size());
  }

  @Test
  void noRecordContentInTheJson() throws Exception {
    // The summary carries the stratum keys (configured categories) and nothing from the records'
    // other fields; the manifest has none to give.
    String body = new String(succeeded().toJson(), StandardCharsets.UTF_8);
    assertFalse(body.contains("subject_id"), body);
    assertFalse(body.contains("sha256"), body);
  }
}
