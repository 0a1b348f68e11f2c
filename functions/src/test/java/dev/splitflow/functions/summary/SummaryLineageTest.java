package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The summary's {@code lineage}: what an extension kept, added and removed (moved from
 * SummaryTest).
 */
class SummaryLineageTest {
  static final List<String> LINEAGE =
      List.of(
          "extension",
          "previous_indices",
          "kept",
          "added",
          "removed",
          "unchanged_chunks",
          "new_or_changed_chunks");

  static final String PREVIOUS = "sha256:" + "ab".repeat(32);

  /** The same 10 records as an extension of an 8-record version: 7 kept, 3 added, 1 removed. */
  static Manifest extensionManifest() {
    String lineage =
        """
        ,
          "lineage": {
            "previous_indices": "%s",
            "kept_records": {"train": 5, "val": 1, "test": 1},
            "added_records": {"train": 2, "val": 1, "test": 0},
            "removed_records": {"train": 1, "val": 0, "test": 0},
            "unchanged_chunks": 3,
            "new_or_changed_chunks": ["train_002.pt", "val_000.pt"]
          }
        }
        """
            .formatted(PREVIOUS);
    String json =
        SummaryTest.MANIFEST_JSON.substring(0, SummaryTest.MANIFEST_JSON.lastIndexOf('}'))
            + lineage;
    return Manifest.parse(json, "gs://b/d/split/_SPLIT_MANIFEST.json");
  }

  static Summary extensionSucceeded() {
    Manifest m = extensionManifest();
    return Summary.verified(
        "sf-0123456789abcdef0124",
        "gs://b/d/",
        "gs://b/d/split/",
        m,
        new OutputVerifier.Report("gs://b/d/split/", List.of(), m, 2),
        "job-2",
        "splitflow-d-0123456789abcdef0124",
        "w",
        SummaryTest.timings());
  }

  @Test
  void aFreshSplitSaysItExtendsNothing() throws Exception {
    JsonNode l = SummaryTest.json(SummaryTest.succeeded()).get("lineage");
    assertEquals(LINEAGE, SummaryTest.fieldNames(l));
    assertFalse(l.get("extension").asBoolean());
    assertTrue(l.get("extension").isBoolean());
    assertEquals("", l.get("previous_indices").asText());
    for (String f : List.of("kept", "added", "removed")) {
      assertEquals(
          SummaryTest.JSON.readTree("{\"train\":0,\"val\":0,\"test\":0,\"total\":0}"), l.get(f), f);
    }
    assertEquals(0, l.get("unchanged_chunks").asInt());
    assertEquals(0, l.get("new_or_changed_chunks").asInt());
  }

  @Test
  void anExtensionReportsKeptAddedAndRemovedPerSplitAndInTotal() throws Exception {
    Summary s = extensionSucceeded();
    assertEquals(Summary.SUCCEEDED, s.status());
    JsonNode j = SummaryTest.json(s);
    assertEquals(SummaryTest.TOP_LEVEL, SummaryTest.fieldNames(j));
    SummaryTest.assertNoNulls(j, "$");
    JsonNode l = j.get("lineage");
    assertEquals(LINEAGE, SummaryTest.fieldNames(l));
    assertTrue(l.get("extension").asBoolean());
    assertEquals(PREVIOUS, l.get("previous_indices").asText());
    assertEquals(
        SummaryTest.JSON.readTree("{\"train\":5,\"val\":1,\"test\":1,\"total\":7}"), l.get("kept"));
    assertEquals(
        SummaryTest.JSON.readTree("{\"train\":2,\"val\":1,\"test\":0,\"total\":3}"),
        l.get("added"));
    assertEquals(
        SummaryTest.JSON.readTree("{\"train\":1,\"val\":0,\"test\":0,\"total\":1}"),
        l.get("removed"));
    assertEquals(3, l.get("unchanged_chunks").asInt());
    assertEquals(2, l.get("new_or_changed_chunks").asInt());
    // The rest of the summary is that of any verified output.
    assertEquals(10, j.get("total_records").asLong());
    assertEquals(6, j.get("strata").size());
  }

  @Test
  void anExtensionThatFailsVerificationStillSaysWhatItExtended() throws Exception {
    Manifest m = extensionManifest();
    Summary s =
        Summary.verified(
            "sf-5",
            "gs://b/d/",
            "gs://b/d/split/",
            m,
            new OutputVerifier.Report(
                "loc", List.of(new OutputVerifier.Failure("chunk size", "x")), m, 0),
            null,
            null,
            null,
            SummaryTest.timings());
    assertEquals(Summary.FAILED, s.status());
    assertTrue(SummaryTest.json(s).get("lineage").get("extension").asBoolean());
    assertEquals(7, SummaryTest.json(s).get("lineage").get("kept").get("total").asLong());
  }

  @Test
  void failedBeforeAnOutputHasNoLineage() throws Exception {
    for (String stage : List.of("marker", "indices", "launch", "job")) {
      Summary s = SummaryTest.failedAt(stage);
      assertEquals(Summary.Lineage.NONE, s.lineage(), stage);
      assertFalse(SummaryTest.json(s).get("lineage").get("extension").asBoolean(), stage);
    }
  }
}
