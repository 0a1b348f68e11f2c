package dev.splitflow.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manifest's {@code lineage}: read strictly, written back, and checked against the indices. */
class ManifestLineageTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PREVIOUS = "sha256:" + "3c".repeat(32);

  /** 9 records: train 5 in 2 chunks, val 2, test 2; train_chunk_00001.pt is the new chunk. */
  static ObjectNode manifestJson() throws Exception {
    List<ChunkInfo> chunks =
        List.of(
            new ChunkInfo("train_chunk_00000.pt", Split.TRAIN, 0, 3, 300, "AAAAAA==", "00"),
            new ChunkInfo("train_chunk_00001.pt", Split.TRAIN, 1, 2, 200, "AAAAAA==", "01"),
            new ChunkInfo("val_chunk_00000.pt", Split.VAL, 0, 2, 200, "AAAAAA==", "02"),
            new ChunkInfo("test_chunk_00000.pt", Split.TEST, 0, 2, 200, "AAAAAA==", "03"));
    String json =
        Manifest.of(JSON.createObjectNode(), "stratification_indices.json", "ab", 10, null, chunks)
            .toJson();
    ObjectNode root = (ObjectNode) JSON.readTree(json);
    ObjectNode l = root.putObject("lineage");
    l.put("previous_indices", PREVIOUS);
    l.set("kept_records", JSON.readTree("{\"train\": 3, \"val\": 2, \"test\": 1}"));
    l.set("added_records", JSON.readTree("{\"train\": 2, \"val\": 0, \"test\": 1}"));
    l.set("removed_records", JSON.readTree("{\"train\": 0, \"val\": 1, \"test\": 0}"));
    l.put("unchanged_chunks", 3);
    l.putArray("new_or_changed_chunks").add("train_chunk_00001.pt");
    return root;
  }

  /** The indices' metadata.lineage the manifest above was written from. */
  static JsonNode indicesLineage() throws Exception {
    return JSON.readTree(
        "{\"previous_digest\": \""
            + PREVIOUS
            + "\", \"previous_records\": 7,"
            + " \"kept\": {\"train\": 3, \"val\": 2, \"test\": 1},"
            + " \"added\": {\"train\": 2, \"val\": 0, \"test\": 1},"
            + " \"removed\": {\"train\": 0, \"val\": 1, \"test\": 0},"
            + " \"total_off\": {\"train\": 0, \"val\": 0, \"test\": 0},"
            + " \"rewritten_chunks\": {\"train\": [1], \"val\": [], \"test\": []}, \"strata\": []}");
  }

  static Manifest parse(JsonNode root) {
    return Manifest.parse(root.toString(), "out/_SPLIT_MANIFEST.json");
  }

  static List<OutputVerifier.Failure> check(Manifest m, JsonNode indicesLineage) {
    List<OutputVerifier.Failure> failures = new ArrayList<>();
    ManifestChecks.lineage(m, indicesLineage, failures);
    return failures;
  }

  @Test
  void readsTheLineageAndWritesItBackTheSame() throws Exception {
    ObjectNode root = manifestJson();
    Manifest m = parse(root);
    Manifest.Lineage l = m.lineage();
    assertEquals(PREVIOUS, l.previousIndices());
    assertEquals(new SplitCounts(3, 2, 1), l.kept());
    assertEquals(new SplitCounts(2, 0, 1), l.added());
    assertEquals(new SplitCounts(0, 1, 0), l.removed());
    assertEquals(3, l.unchangedChunks());
    assertEquals(List.of("train_chunk_00001.pt"), l.newOrChangedChunks());
    assertEquals(root, JSON.readTree(m.toJson()));
  }

  @Test
  void aManifestWithoutLineageHasNone() throws Exception {
    ObjectNode root = manifestJson();
    root.remove("lineage");
    Manifest m = parse(root);
    assertNull(m.lineage());
    assertTrue(!JSON.readTree(m.toJson()).has("lineage"));
  }

  @Test
  void aMalformedLineageIsAnErrorNamingTheField() throws Exception {
    List<List<String>> cases =
        List.of(
            List.of("previous_indices", "\"ab12\"", "lineage.previous_indices"),
            List.of("kept_records", "{\"train\": 3, \"val\": -2, \"test\": 1}", "kept_records.val"),
            List.of("added_records", "{\"train\": 2, \"val\": 0}", "added_records.test"),
            List.of("removed_records", "[0, 1, 0]", "removed_records: expected an object"),
            List.of("unchanged_chunks", "\"3\"", "unchanged_chunks"),
            List.of("new_or_changed_chunks", "[1]", "new_or_changed_chunks"));
    for (List<String> c : cases) {
      ObjectNode root = manifestJson();
      ((ObjectNode) root.get("lineage")).set(c.get(0), JSON.readTree(c.get(1)));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> parse(root), c.get(0));
      assertTrue(e.getMessage().startsWith("out/_SPLIT_MANIFEST.json: "), e.getMessage());
      assertTrue(e.getMessage().contains(c.get(2)), c.get(2) + " in " + e.getMessage());
    }
    ObjectNode root = manifestJson();
    root.put("lineage", "v1");
    assertThrows(IllegalArgumentException.class, () -> parse(root));
  }

  @Test
  void aLineageThatAgreesWithTheIndicesPasses() throws Exception {
    assertEquals(List.of(), check(parse(manifestJson()), indicesLineage()));
    ObjectNode fresh = manifestJson();
    fresh.remove("lineage");
    assertEquals(List.of(), check(parse(fresh), JSON.missingNode()));
  }

  @Test
  void countsThatDifferFromTheIndicesFail() throws Exception {
    ObjectNode root = manifestJson();
    // Moved one record from kept to added: still adds up to the split's records.
    ((ObjectNode) root.get("lineage"))
        .set("kept_records", JSON.readTree("{\"train\": 2, \"val\": 2, \"test\": 1}"));
    ((ObjectNode) root.get("lineage"))
        .set("added_records", JSON.readTree("{\"train\": 3, \"val\": 0, \"test\": 1}"));
    List<OutputVerifier.Failure> f = check(parse(root), indicesLineage());
    assertEquals(2, f.size(), f.toString());
    assertEquals("manifest lineage", f.get(0).check());
    assertTrue(
        f.get(0).reason().startsWith("kept_records.train is 2, the indices say 3"), f.toString());
    assertTrue(
        f.get(1).reason().startsWith("added_records.train is 3, the indices say 2"), f.toString());
  }

  @Test
  void anotherPreviousVersionFails() throws Exception {
    ObjectNode root = manifestJson();
    ((ObjectNode) root.get("lineage")).put("previous_indices", "sha256:" + "00".repeat(32));
    List<OutputVerifier.Failure> f = check(parse(root), indicesLineage());
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).reason().contains("previous_digest is \"" + PREVIOUS), f.toString());
  }

  @Test
  void aLineageOnOneSideOnlyFails() throws Exception {
    ObjectNode fresh = manifestJson();
    fresh.remove("lineage");
    List<OutputVerifier.Failure> f = check(parse(fresh), indicesLineage());
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).reason().contains("the manifest has no lineage"), f.toString());
    List<OutputVerifier.Failure> g = check(parse(manifestJson()), JSON.missingNode());
    assertEquals(1, g.size(), g.toString());
    assertTrue(g.get(0).reason().contains("indices extend no previous version"), g.toString());
  }

  @Test
  void countsThatDoNotAddUpToTheSplitsRecordsFail() throws Exception {
    ObjectNode root = manifestJson();
    ((ObjectNode) root.get("lineage"))
        .set("added_records", JSON.readTree("{\"train\": 2, \"val\": 0, \"test\": 4}"));
    JsonNode indices = indicesLineage().deepCopy();
    ((ObjectNode) indices).set("added", JSON.readTree("{\"train\": 2, \"val\": 0, \"test\": 4}"));
    List<OutputVerifier.Failure> f = check(parse(root), indices);
    assertEquals(1, f.size(), f.toString());
    assertTrue(
        f.get(0).reason().startsWith("test has 2 records, but kept plus added is 5"), f.toString());
  }

  @Test
  void chunksTheLineageMiscountsFail() throws Exception {
    ObjectNode root = manifestJson();
    ((ObjectNode) root.get("lineage"))
        .putArray("new_or_changed_chunks")
        .add("train_chunk_00009.pt");
    List<OutputVerifier.Failure> f = check(parse(root), indicesLineage());
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).reason().contains("train_chunk_00009.pt"), f.toString());
    ObjectNode other = manifestJson();
    ((ObjectNode) other.get("lineage")).put("unchanged_chunks", 4);
    List<OutputVerifier.Failure> g = check(parse(other), indicesLineage());
    assertEquals(1, g.size(), g.toString());
    assertTrue(g.get(0).reason().startsWith("unchanged_chunks is 4"), g.toString());
  }
}
