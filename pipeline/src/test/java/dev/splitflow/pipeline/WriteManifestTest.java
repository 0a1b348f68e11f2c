package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.json.Json;
import dev.splitflow.output.Manifest;
import dev.splitflow.split.SplitCounts;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WriteManifestTest {
  @Test
  void metadataIsReadPastTheIndexListsWhereverItStands() throws Exception {
    String meta = "{\"seed\": 42, \"strata\": [{\"a\": [1, 2]}], \"ratios\": {\"train\": 0.7}}";
    String[] files = {
      "{\"train\": [3, 1, [2]], \"val\": [], \"test\": [0], \"metadata\": " + meta + "}",
      "{\"metadata\": " + meta + ", \"train\": [1, 2], \"val\": [], \"test\": []}",
      "{\"train\": [1], \"extra\": {\"metadata\": 1}, \"metadata\": " + meta + "}",
    };
    ObjectMapper mapper = new ObjectMapper();
    for (String f : files) {
      assertEquals(
          mapper.readTree(f).path("metadata"),
          WriteManifest.metadataOf(f.getBytes(StandardCharsets.UTF_8)),
          f);
    }
    assertTrue(
        WriteManifest.metadataOf("{\"train\": []}".getBytes(StandardCharsets.UTF_8))
            .isMissingNode());
  }

  @Test
  void lineageComesFromTheIndicesAndNamesOnlyPlannedRewrittenChunks() throws Exception {
    String prev = "sha256:" + "3c".repeat(32);
    JsonNode indicesLineage =
        Json.readTree(
            "{\"previous_digest\": \""
                + prev
                + "\", \"kept\": {\"train\": 3, \"val\": 2, \"test\": 1},"
                + " \"added\": {\"train\": 2, \"val\": 0, \"test\": 1},"
                + " \"removed\": {\"train\": 0, \"val\": 1, \"test\": 0},"
                + " \"rewritten_chunks\": {\"train\": [1, 7], \"val\": [], \"test\": [0]}}");
    Set<String> planned =
        Set.of(
            "train_chunk_00000.pt",
            "train_chunk_00001.pt",
            "val_chunk_00000.pt",
            "test_chunk_00000.pt");
    assertEquals(
        new Manifest.Lineage(
            prev,
            new SplitCounts(3, 2, 1),
            new SplitCounts(2, 0, 1),
            new SplitCounts(0, 1, 0),
            2,
            List.of("test_chunk_00000.pt", "train_chunk_00001.pt")),
        WriteManifest.lineageOf(indicesLineage, planned));
  }
}
