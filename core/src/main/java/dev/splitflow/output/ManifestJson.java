package dev.splitflow.output;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.SplitCounts;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The manifest's JSON form as databind records: their field order is the file's key order, and
 * {@link Json#pretty()} lays it out, so the bytes are those the manifest has always had.
 */
final class ManifestJson {
  private ManifestJson() {}

  /** The whole file; {@code run_id} and {@code lineage} only when the run has them. */
  @JsonPropertyOrder({
    "format", "version", "run_id", "config", "indices", "splits", "strata", "chunks", "lineage"
  })
  record Document(
      String format,
      int version,
      @JsonProperty("run_id") @JsonInclude(JsonInclude.Include.NON_NULL) String runId,
      JsonNode config,
      Indices indices,
      Map<String, Manifest.SplitTotals> splits,
      JsonNode strata,
      List<ChunkInfo> chunks,
      @JsonInclude(JsonInclude.Include.NON_NULL) LineageJson lineage) {}

  /** {@code indices}: the indices file the chunks were made from. */
  @JsonPropertyOrder({"file", "sha256", "bytes"})
  record Indices(String file, String sha256, long bytes) {}

  /** {@code lineage}, in the file's names. */
  @JsonPropertyOrder({
    "previous_indices",
    "kept_records",
    "added_records",
    "removed_records",
    "unchanged_chunks",
    "new_or_changed_chunks"
  })
  record LineageJson(
      @JsonProperty("previous_indices") String previousIndices,
      @JsonProperty("kept_records") Counts kept,
      @JsonProperty("added_records") Counts added,
      @JsonProperty("removed_records") Counts removed,
      @JsonProperty("unchanged_chunks") int unchangedChunks,
      @JsonProperty("new_or_changed_chunks") List<String> newOrChangedChunks) {
    static LineageJson of(Manifest.Lineage l) {
      return l == null
          ? null
          : new LineageJson(
              l.previousIndices(),
              Counts.of(l.kept()),
              Counts.of(l.added()),
              Counts.of(l.removed()),
              l.unchangedChunks(),
              l.newOrChangedChunks());
    }
  }

  /** Records per split, in split order. */
  @JsonPropertyOrder({"train", "val", "test"})
  record Counts(long train, long val, long test) {
    static Counts of(SplitCounts c) {
      return new Counts(c.train(), c.val(), c.test());
    }
  }

  /** The manifest's text: pretty JSON and a final newline. */
  static String write(Manifest m) {
    Map<String, Manifest.SplitTotals> splits = new LinkedHashMap<>();
    m.splits().forEach((s, t) -> splits.put(s.jsonName(), t));
    return Json.writePretty(
            new Document(
                Manifest.FORMAT,
                Manifest.VERSION,
                m.runId(),
                orNull(m.config()),
                new Indices(m.indicesFile(), m.indicesSha256(), m.indicesBytes()),
                splits,
                orNull(m.strata()),
                m.chunks(),
                LineageJson.of(m.lineage())))
        + "\n";
  }

  /** A tree the manifest was given as Java null is written as JSON null, as it always was. */
  private static JsonNode orNull(JsonNode n) {
    return n == null ? NullNode.getInstance() : n;
  }
}
