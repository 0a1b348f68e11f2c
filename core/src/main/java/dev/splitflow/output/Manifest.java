package dev.splitflow.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.SplitCounts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code _SPLIT_MANIFEST.json}: written last, after every chunk exists, so its appearance means the
 * output is complete. It lists every chunk with its size and checksums, the totals per split, the
 * run's configuration and achieved per-stratum counts (copied from the indices file), and the
 * indices file's digest. Deterministic: the same run writes the same bytes (no timestamps). An
 * extension ({@code --previousIndices}) adds its {@link Lineage}; other runs have none (null).
 */
public record Manifest(
    JsonNode config,
    String indicesFile,
    String indicesSha256,
    long indicesBytes,
    Map<String, SplitTotals> splits,
    JsonNode strata,
    List<ChunkInfo> chunks,
    String runId,
    Lineage lineage) {

  public static final String FORMAT = "splitflow-manifest";
  public static final int VERSION = 1;
  static final List<String> SPLITS = List.of("train", "val", "test");

  /** Records, chunks and bytes of one split. */
  public record SplitTotals(long records, int chunks, long bytes) {}

  /**
   * The manifest's {@code lineage}: how this version relates to the version it extends, copied from
   * the indices' {@code metadata.lineage} (the verifier checks that they agree).
   *
   * @param previousIndices {@code sha256:<hex>} of the previous version's indices file
   * @param kept per split, records of the previous version in this one (each in its old split)
   * @param added per split, records new in this version
   * @param removed per split, records of the previous version no longer in the input
   * @param unchangedChunks chunks holding exactly the previous version's records there, not written
   * @param newOrChangedChunks names of the chunks that are new or hold other records than before
   */
  public record Lineage(
      String previousIndices,
      SplitCounts kept,
      SplitCounts added,
      SplitCounts removed,
      int unchangedChunks,
      List<String> newOrChangedChunks) {
    public Lineage {
      newOrChangedChunks = List.copyOf(newOrChangedChunks);
    }
  }

  /** A manifest without lineage (a run that extends no previous version). */
  public Manifest(
      JsonNode config,
      String indicesFile,
      String indicesSha256,
      long indicesBytes,
      Map<String, SplitTotals> splits,
      JsonNode strata,
      List<ChunkInfo> chunks,
      String runId) {
    this(config, indicesFile, indicesSha256, indicesBytes, splits, strata, chunks, runId, null);
  }

  /** This manifest with an extension's lineage. */
  public Manifest withLineage(Lineage l) {
    return new Manifest(
        config, indicesFile, indicesSha256, indicesBytes, splits, strata, chunks, runId, l);
  }

  /** A manifest for these chunks, sorted by split (train, val, test) then number. */
  public static Manifest of(
      JsonNode config,
      String indicesFile,
      String indicesSha256,
      long indicesBytes,
      JsonNode strata,
      List<ChunkInfo> chunks) {
    return of(config, indicesFile, indicesSha256, indicesBytes, strata, chunks, null);
  }

  /**
   * As above, for a run started by the launch function: {@code runId} ties the manifest to the run
   * (null for runs started by hand; then no {@code run_id} is written).
   */
  public static Manifest of(
      JsonNode config,
      String indicesFile,
      String indicesSha256,
      long indicesBytes,
      JsonNode strata,
      List<ChunkInfo> chunks,
      String runId) {
    List<ChunkInfo> sorted = new ArrayList<>(chunks);
    sorted.sort(
        Comparator.comparingInt((ChunkInfo c) -> SPLITS.indexOf(c.split()))
            .thenComparingInt(ChunkInfo::number));
    Map<String, SplitTotals> splits = new LinkedHashMap<>();
    for (String s : SPLITS) {
      long records = 0;
      long bytes = 0;
      int n = 0;
      for (ChunkInfo c : sorted) {
        if (c.split().equals(s)) {
          records += c.records();
          bytes += c.bytes();
          n++;
        }
      }
      splits.put(s, new SplitTotals(records, n, bytes));
    }
    return new Manifest(
        config, indicesFile, indicesSha256, indicesBytes, splits, strata, sorted, runId, null);
  }

  public String toJson() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    if (runId != null) {
      root.put("run_id", runId);
    }
    root.set("config", config);
    ObjectNode indices = root.putObject("indices");
    indices.put("file", indicesFile);
    indices.put("sha256", indicesSha256);
    indices.put("bytes", indicesBytes);
    ObjectNode s = root.putObject("splits");
    splits.forEach(
        (name, t) -> {
          ObjectNode o = s.putObject(name);
          o.put("records", t.records());
          o.put("chunks", t.chunks());
          o.put("bytes", t.bytes());
        });
    root.set("strata", strata);
    ArrayNode list = root.putArray("chunks");
    for (ChunkInfo c : chunks) {
      ObjectNode o = list.addObject();
      o.put("name", c.name());
      o.put("split", c.split());
      o.put("number", c.number());
      o.put("records", c.records());
      o.put("bytes", c.bytes());
      o.put("crc32c", c.crc32c());
      o.put("sha256", c.sha256());
    }
    if (lineage != null) {
      ObjectNode l = root.putObject("lineage");
      l.put("previous_indices", lineage.previousIndices());
      putCounts(l.putObject("kept_records"), lineage.kept());
      putCounts(l.putObject("added_records"), lineage.added());
      putCounts(l.putObject("removed_records"), lineage.removed());
      l.put("unchanged_chunks", lineage.unchangedChunks());
      ArrayNode names = l.putArray("new_or_changed_chunks");
      lineage.newOrChangedChunks().forEach(names::add);
    }
    try {
      return Json.pretty().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putCounts(ObjectNode o, SplitCounts c) {
    o.put("train", c.train());
    o.put("val", c.val());
    o.put("test", c.test());
  }

  /** Parses a manifest; {@code where} names it in errors. */
  public static Manifest parse(String json, String where) {
    JsonNode root;
    try {
      root = Json.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          where
              + ": not one JSON object (content after it, a key given twice, or broken JSON): "
              + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(
          where + ": not a splitflow manifest (no \"format\": \"" + FORMAT + "\")");
    }
    if (root.path("version").asInt() != VERSION) {
      throw new IllegalArgumentException(
          where + ": manifest version " + root.path("version") + ", expected " + VERSION);
    }
    List<ChunkInfo> chunks = new ArrayList<>();
    for (JsonNode c : root.path("chunks")) {
      chunks.add(
          new ChunkInfo(
              c.path("name").asText(),
              c.path("split").asText(),
              c.path("number").asInt(),
              c.path("records").asInt(),
              c.path("bytes").asLong(),
              c.path("crc32c").asText(),
              c.path("sha256").asText()));
    }
    Map<String, SplitTotals> splits = new LinkedHashMap<>();
    for (String s : SPLITS) {
      JsonNode t = root.path("splits").path(s);
      splits.put(
          s,
          new SplitTotals(
              t.path("records").asLong(), t.path("chunks").asInt(), t.path("bytes").asLong()));
    }
    JsonNode indices = root.path("indices");
    return new Manifest(
        root.path("config"),
        indices.path("file").asText(),
        indices.path("sha256").asText(),
        indices.path("bytes").asLong(),
        splits,
        root.path("strata"),
        chunks,
        root.hasNonNull("run_id") ? root.get("run_id").asText() : null,
        root.has("lineage") ? lineage(root.get("lineage"), where) : null);
  }

  /**
   * {@code lineage}, read strictly: the summary reports these counts, so a malformed lineage is an
   * error naming the field, never zeros.
   */
  private static Lineage lineage(JsonNode l, String where) {
    String at = where + ": lineage";
    if (!l.isObject()) {
      throw new IllegalArgumentException(at + ": expected an object, found " + l.getNodeType());
    }
    JsonNode prev = l.path("previous_indices");
    if (!prev.isTextual() || !prev.textValue().matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          at + ".previous_indices: expected \"sha256:\" and 64 hex digits, found " + shown(prev));
    }
    JsonNode unchanged = l.path("unchanged_chunks");
    if (!unchanged.isInt() || unchanged.intValue() < 0) {
      throw new IllegalArgumentException(
          at + ".unchanged_chunks: expected a count >= 0, found " + shown(unchanged));
    }
    JsonNode names = l.path("new_or_changed_chunks");
    if (!names.isArray()) {
      throw new IllegalArgumentException(
          at + ".new_or_changed_chunks: expected an array of chunk names, found " + shown(names));
    }
    List<String> changed = new ArrayList<>();
    for (JsonNode n : names) {
      if (!n.isTextual()) {
        throw new IllegalArgumentException(
            at + ".new_or_changed_chunks: expected chunk names, found " + shown(n));
      }
      changed.add(n.textValue());
    }
    return new Lineage(
        prev.textValue(),
        counts(l, at, "kept_records"),
        counts(l, at, "added_records"),
        counts(l, at, "removed_records"),
        unchanged.intValue(),
        changed);
  }

  private static SplitCounts counts(JsonNode l, String at, String name) {
    JsonNode o = l.path(name);
    if (!o.isObject()) {
      throw new IllegalArgumentException(
          at
              + "."
              + name
              + ": expected an object of train, val and test counts, found "
              + shown(o));
    }
    long[] c = new long[3];
    for (int i = 0; i < 3; i++) {
      JsonNode v = o.path(SPLITS.get(i));
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new IllegalArgumentException(
            at + "." + name + "." + SPLITS.get(i) + ": expected a count >= 0, found " + shown(v));
      }
      c[i] = v.longValue();
    }
    return SplitCounts.of(c);
  }

  private static String shown(JsonNode n) {
    String s = n.isMissingNode() ? "nothing" : n.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
