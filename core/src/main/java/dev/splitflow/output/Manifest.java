package dev.splitflow.output;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code _SPLIT_MANIFEST.json}: written last, after every chunk exists, so its appearance means the
 * output is complete. It lists every chunk with its size and checksums, the totals per split, the
 * run's configuration and achieved per-stratum counts (copied from the indices file), and the
 * indices file's digest. Deterministic: the same run writes the same bytes (no timestamps).
 */
public record Manifest(
    JsonNode config,
    String indicesFile,
    String indicesSha256,
    long indicesBytes,
    Map<String, SplitTotals> splits,
    JsonNode strata,
    List<ChunkInfo> chunks,
    String runId) {

  public static final String FORMAT = "splitflow-manifest";
  public static final int VERSION = 1;
  static final List<String> SPLITS = List.of("train", "val", "test");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reading is strict: one JSON value and nothing after it, no key given twice. */
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Records, chunks and bytes of one split. */
  public record SplitTotals(long records, int chunks, long bytes) {}

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
        config, indicesFile, indicesSha256, indicesBytes, splits, strata, sorted, runId);
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
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
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a manifest; {@code where} names it in errors. */
  public static Manifest parse(String json, String where) {
    JsonNode root;
    try {
      root = STRICT.readTree(json);
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
        root.hasNonNull("run_id") ? root.get("run_id").asText() : null);
  }
}
