package dev.splitflow.output;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
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
    Map<Split, SplitTotals> splits,
    JsonNode strata,
    List<ChunkInfo> chunks,
    String runId,
    Lineage lineage) {

  public static final String FORMAT = "splitflow-manifest";
  public static final int VERSION = 1;

  /** Records, chunks and bytes of one split. */
  @JsonPropertyOrder({"records", "chunks", "bytes"})
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
      Map<Split, SplitTotals> splits,
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
        Comparator.comparingInt((ChunkInfo c) -> c.split().ordinal())
            .thenComparingInt(ChunkInfo::number));
    Map<Split, SplitTotals> splits = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      long records = 0;
      long bytes = 0;
      int n = 0;
      for (ChunkInfo c : sorted) {
        if (c.split() == s) {
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

  /**
   * The file's text (pretty JSON, final newline); the same manifest always gives the same bytes.
   */
  public String toJson() {
    return ManifestJson.write(this);
  }

  /**
   * Parses a manifest; {@code where} names it in errors.
   *
   * @throws ManifestFormatException when it is not one JSON object of this format and version, or a
   *     field has the wrong shape
   */
  public static Manifest parse(String json, String where) {
    JsonNode root;
    try {
      root = Json.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ManifestFormatException(
          where
              + ": not one JSON object (content after it, a key given twice, or broken JSON): "
              + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new ManifestFormatException(
          where + ": not a splitflow manifest (no \"format\": \"" + FORMAT + "\")");
    }
    if (root.path("version").asInt() != VERSION) {
      throw new ManifestFormatException(
          where + ": manifest version " + root.path("version") + ", expected " + VERSION);
    }
    List<ChunkInfo> chunks = new ArrayList<>();
    int i = 0;
    for (JsonNode c : root.path("chunks")) {
      chunks.add(
          new ChunkInfo(
              c.path("name").asText(),
              split(c.path("split"), where + ": chunks[" + i++ + "].split"),
              c.path("number").asInt(),
              c.path("records").asInt(),
              c.path("bytes").asLong(),
              c.path("crc32c").asText(),
              c.path("sha256").asText()));
    }
    Map<Split, SplitTotals> splits = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      JsonNode t = root.path("splits").path(s.jsonName());
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
      throw new ManifestFormatException(at + ": expected an object, found " + l.getNodeType());
    }
    JsonNode prev = l.path("previous_indices");
    if (!prev.isTextual() || !prev.textValue().matches("sha256:[0-9a-f]{64}")) {
      throw new ManifestFormatException(
          at + ".previous_indices: expected \"sha256:\" and 64 hex digits, found " + shown(prev));
    }
    JsonNode unchanged = l.path("unchanged_chunks");
    if (!unchanged.isInt() || unchanged.intValue() < 0) {
      throw new ManifestFormatException(
          at + ".unchanged_chunks: expected a count >= 0, found " + shown(unchanged));
    }
    JsonNode names = l.path("new_or_changed_chunks");
    if (!names.isArray()) {
      throw new ManifestFormatException(
          at + ".new_or_changed_chunks: expected an array of chunk names, found " + shown(names));
    }
    List<String> changed = new ArrayList<>();
    for (JsonNode n : names) {
      if (!n.isTextual()) {
        throw new ManifestFormatException(
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
      throw new ManifestFormatException(
          at
              + "."
              + name
              + ": expected an object of train, val and test counts, found "
              + shown(o));
    }
    long[] c = new long[3];
    for (Split s : Split.values()) {
      JsonNode v = o.path(s.jsonName());
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new ManifestFormatException(
            at + "." + name + "." + s.jsonName() + ": expected a count >= 0, found " + shown(v));
      }
      c[s.ordinal()] = v.longValue();
    }
    return SplitCounts.of(c);
  }

  /** A chunk's split: one of the three names, never guessed. */
  private static Split split(JsonNode n, String at) {
    for (Split s : Split.values()) {
      if (s.jsonName().equals(n.asText())) {
        return s;
      }
    }
    throw new ManifestFormatException(at + ": expected train, val or test, found " + shown(n));
  }

  private static String shown(JsonNode n) {
    String s = n.isMissingNode() ? "nothing" : n.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
