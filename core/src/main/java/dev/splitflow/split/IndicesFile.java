package dev.splitflow.split;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code stratification_indices.json}: a plan and the batch files it was made from.
 *
 * <p>Top level {@code {"train": [...], "val": [...], "test": [...], "metadata": {...}}}: the three
 * lists are global indices in chunk order, so tools that only read train/val/test keep working;
 * {@code metadata} holds the configuration, the achieved split and the sources (docs/split.md).
 * {@link #toJson()} is deterministic: fixed key order, no timestamps, each index list on one line.
 */
public final class IndicesFile {
  public static final String FILE_NAME = "stratification_indices.json";
  public static final String FORMAT = "splitflow-indices";
  public static final int VERSION = 1;

  /** How this version ranks and orders records; a file made another way differs here. */
  public static final String RANK_FUNCTION =
      SplitHash.SCHEME
          + ": u64 = first 8 bytes, big-endian unsigned, of SHA-256(UTF-8 \"splitflow-v1|\" +"
          + " purpose + \"|\" + seed + \"|\" + name); purpose rank or order with name ="
          + " identity (<batch basename>#<position>), group with name = group id; ties by"
          + " global index";

  private final Plan plan;
  private final List<SourceFile> sources;
  private final String rankFunction;
  private final IdHashes ids;
  private final Lineage lineage;

  private IndicesFile(Plan plan, List<SourceFile> sources, String rankFunction) {
    this(plan, sources, rankFunction, null, null);
  }

  private IndicesFile(
      Plan plan, List<SourceFile> sources, String rankFunction, IdHashes ids, Lineage lineage) {
    this.plan = plan;
    this.sources = List.copyOf(sources);
    this.rankFunction = rankFunction;
    this.ids = ids;
    this.lineage = lineage;
  }

  /**
   * Keyed hashes of an id field ({@link RecordIds}), one per global index from 0: how the next
   * dataset version recognises these records.
   */
  public record IdHashes(String field, long[] hashes) {
    public IdHashes {
      Objects.requireNonNull(field, "field");
      hashes = hashes.clone();
    }

    @Override
    public long[] hashes() {
      return hashes.clone();
    }
  }

  /** This file with the records' id hashes, by global index (which must run from 0 to N-1). */
  public IndicesFile withIds(IdHashes ids) {
    if (ids != null) {
      long first = sources.isEmpty() ? 0 : sources.get(0).firstIndex();
      if (first != 0 || ids.hashes.length != plan.recordCount() || !contiguous()) {
        throw new SplitException(
            "id hashes need global indices 0.." + (plan.recordCount() - 1) + " without gaps");
      }
    }
    return new IndicesFile(plan, sources, rankFunction, ids, lineage);
  }

  /** This file with the lineage of an extension ({@code --previousIndices}). */
  public IndicesFile withLineage(Lineage lineage) {
    return new IndicesFile(plan, sources, rankFunction, ids, lineage);
  }

  /** The id hashes, or null when the file was made without an id field. */
  public IdHashes ids() {
    return ids;
  }

  /** The lineage, or null when this is not an extension of a previous version. */
  public Lineage lineage() {
    return lineage;
  }

  /** {@code sha256:<hex>} of an indices file's bytes, as lineage records the previous file. */
  public static String digest(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      StringBuilder sb = new StringBuilder("sha256:");
      for (byte b : d) {
        sb.append(String.format("%02x", b & 0xFF));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private boolean contiguous() {
    long next = 0;
    for (SourceFile s : sources) {
      if (s.firstIndex() != next) {
        return false;
      }
      next += s.records();
    }
    return true;
  }

  /**
   * The indices file for {@code plan} made from {@code sources}. Sources are stored sorted by first
   * index; together they must cover exactly the plan's global indices.
   */
  public static IndicesFile of(Plan plan, List<SourceFile> sources) {
    List<SourceFile> sorted = new ArrayList<>(sources);
    sorted.sort(Comparator.comparingLong(SourceFile::firstIndex));
    for (SourceFile s : sorted) {
      if (s.records() == SourceFile.UNKNOWN_RECORDS) {
        throw new SplitException(s.file() + ": the record count must be known to write indices");
      }
    }
    String problem = coverage(plan, sorted);
    if (problem != null) {
      throw new SplitException("the sources do not match the plan: " + problem);
    }
    return new IndicesFile(plan, sorted, RANK_FUNCTION);
  }

  public Plan plan() {
    return plan;
  }

  public SplitConfig config() {
    return plan.config();
  }

  public int chunkSize() {
    return plan.config().chunkSize();
  }

  /** The split's global indices in chunk order (a copy; use {@link #totals()} for counts). */
  public long[] indices(Split split) {
    return plan.indices(split);
  }

  public SplitCounts totals() {
    return plan.totals();
  }

  /** The batch files, by first index. */
  public List<SourceFile> sources() {
    return sources;
  }

  /** The rank function text stored in the file ({@link #RANK_FUNCTION} for files made now). */
  public String rankFunction() {
    return rankFunction;
  }

  // ---------------------------------------------------------------- writing

  /** The file's text: UTF-8 when encoded, ending in a newline. */
  public String toJson() {
    SplitConfig cfg = plan.config();
    StringBuilder sb = new StringBuilder(64 + (int) Math.min(plan.recordCount() * 8, 1 << 30));
    sb.append("{\n");
    for (Split s : Split.values()) {
      sb.append("  ").append(JsonText.string(s.jsonName())).append(": [");
      long[] list = plan.rawIndices(s);
      for (int i = 0; i < list.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(list[i]);
      }
      sb.append("],\n");
    }
    sb.append("  \"metadata\": {\n");
    field(sb, "format", JsonText.string(FORMAT));
    field(sb, "version", Integer.toString(VERSION));
    field(sb, "seed", Long.toString(cfg.seed()));
    field(
        sb,
        "ratios",
        perSplit(
            JsonText.number(cfg.ratios().train()),
            JsonText.number(cfg.ratios().val()),
            JsonText.number(cfg.ratios().test())));
    List<String> fields = new ArrayList<>();
    for (String f : cfg.strataFields()) {
      fields.add(JsonText.string(f));
    }
    field(sb, "strata_fields", "[" + String.join(", ", fields) + "]");
    field(sb, "group_by", cfg.groupBy() == null ? "null" : JsonText.string(cfg.groupBy()));
    field(sb, "chunk_size", Integer.toString(cfg.chunkSize()));
    field(sb, "rank_function", JsonText.string(rankFunction));
    field(sb, "totals", counts(plan.totals()));
    sb.append("    \"strata\": [");
    List<StratumStats> strata = plan.strata();
    for (int i = 0; i < strata.size(); i++) {
      StratumStats st = strata.get(i);
      sb.append(i == 0 ? "\n" : ",\n").append("      {\"stratum\": {");
      int j = 0;
      for (Map.Entry<String, String> e : st.stratum().fields().entrySet()) {
        sb.append(j++ == 0 ? "" : ", ");
        sb.append(JsonText.string(e.getKey())).append(": ").append(JsonText.string(e.getValue()));
      }
      sb.append("}, \"key\": ").append(JsonText.string(st.stratum().key()));
      sb.append(", \"count\": ").append(st.count());
      sb.append(", \"target\": ")
          .append(
              perSplit(
                  JsonText.number(st.target().train()),
                  JsonText.number(st.target().val()),
                  JsonText.number(st.target().test())));
      sb.append(", \"achieved\": ").append(counts(st.achieved())).append('}');
    }
    sb.append(strata.isEmpty() ? "],\n" : "\n    ],\n");
    field(
        sb,
        "groups",
        plan.groups().isPresent() ? Long.toString(plan.groups().getAsLong()) : "null");
    field(
        sb,
        "deviation",
        plan.deviation()
            .map(
                d ->
                    "{\"total_off\": "
                        + counts(d.totalOff())
                        + ", \"max_stratum_off\": "
                        + JsonText.number(d.maxStratumOff())
                        + "}")
            .orElse("null"));
    if (ids != null) {
      field(sb, "ids", VersionJson.ids(ids));
    }
    if (lineage != null) {
      field(sb, "lineage", VersionJson.lineage(lineage));
    }
    sb.append("    \"sources\": [");
    for (int i = 0; i < sources.size(); i++) {
      SourceFile s = sources.get(i);
      sb.append(i == 0 ? "\n" : ",\n")
          .append("      {\"file\": ")
          .append(JsonText.string(s.file()))
          .append(", \"path\": ")
          .append(JsonText.string(s.path()))
          .append(", \"records\": ")
          .append(s.records())
          .append(", \"bytes\": ")
          .append(s.bytes())
          .append(", \"generation\": ")
          .append(s.generation() == null ? "null" : s.generation().toString())
          .append(", \"first_index\": ")
          .append(s.firstIndex());
      if (s.pklSha256() != null) {
        sb.append(", \"pkl_sha256\": ").append(JsonText.string(s.pklSha256()));
      }
      sb.append('}');
    }
    sb.append(sources.isEmpty() ? "]\n" : "\n    ]\n");
    sb.append("  }\n}\n");
    return sb.toString();
  }

  /** {@link #toJson()} as UTF-8 bytes. */
  public byte[] toJsonBytes() {
    return toJson().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder sb, String name, String json) {
    sb.append("    ").append(JsonText.string(name)).append(": ").append(json).append(",\n");
  }

  private static String perSplit(String train, String val, String test) {
    return "{\"train\": " + train + ", \"val\": " + val + ", \"test\": " + test + "}";
  }

  private static String counts(SplitCounts c) {
    return perSplit(Long.toString(c.train()), Long.toString(c.val()), Long.toString(c.test()));
  }

  // ---------------------------------------------------------------- reading

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Reads an indices file.
   *
   * @param where the file's name or path, which starts every error message
   * @throws SplitException if it is not JSON, lacks a field, has a value of the wrong type, or is
   *     inconsistent (totals that do not match the lists, an index listed twice or outside every
   *     source)
   */
  public static IndicesFile parse(String json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SplitException(
          where + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    Reader r = new Reader(where);
    r.object(root, "");
    JsonNode meta = root.get("metadata");
    if (meta == null) {
      throw new SplitException(
          where
              + ": has no \"metadata\"; it was not written by splitflow (only train/val/test"
              + " lists); compute new indices");
    }
    r.object(meta, "metadata");
    String format = r.string(meta, "metadata", "format", false);
    if (!FORMAT.equals(format)) {
      throw new SplitException(
          where + ": metadata.format is \"" + format + "\", expected \"" + FORMAT + "\"");
    }
    long version = r.integer(meta, "metadata", "version");
    if (version != VERSION) {
      throw new SplitException(
          where
              + ": indices file version "
              + version
              + " is not supported (this splitflow reads version "
              + VERSION
              + ")");
    }
    long seed = r.integer(meta, "metadata", "seed");
    JsonNode ratiosNode = r.field(meta, "metadata", "ratios");
    r.object(ratiosNode, "metadata.ratios");
    SplitRatios ratios;
    List<String> strataFields = new ArrayList<>();
    String groupBy;
    SplitConfig cfg;
    try {
      ratios =
          new SplitRatios(
              r.number(ratiosNode, "metadata.ratios", "train"),
              r.number(ratiosNode, "metadata.ratios", "val"),
              r.number(ratiosNode, "metadata.ratios", "test"));
      JsonNode sf = r.field(meta, "metadata", "strata_fields");
      r.array(sf, "metadata.strata_fields");
      for (int i = 0; i < sf.size(); i++) {
        if (!sf.get(i).isTextual()) {
          throw r.error("metadata.strata_fields[" + i + "]", "a string", sf.get(i));
        }
        strataFields.add(sf.get(i).textValue());
      }
      groupBy = r.string(meta, "metadata", "group_by", true);
      long chunk = r.integer(meta, "metadata", "chunk_size");
      if (chunk > Integer.MAX_VALUE) {
        throw new SplitException("chunk size " + chunk + " is too large");
      }
      cfg = new SplitConfig(seed, ratios, strataFields, groupBy, (int) chunk);
    } catch (SplitException e) {
      throw e.getMessage().startsWith(where)
          ? e
          : new SplitException(where + ": metadata: " + e.getMessage(), e);
    }
    String rankFunction = r.string(meta, "metadata", "rank_function", false);

    long[][] lists = new long[3][];
    for (Split s : Split.values()) {
      lists[s.ordinal()] = r.indexList(root, s.jsonName());
    }
    long n = (long) lists[0].length + lists[1].length + lists[2].length;
    if (n == 0) {
      throw new SplitException(where + ": the train, val and test lists are all empty");
    }
    if (n > Planner.MAX_RECORDS) {
      throw new SplitException(where + ": too many indices (" + n + ")");
    }
    JsonNode totalsNode = r.field(meta, "metadata", "totals");
    SplitCounts totals = r.counts(totalsNode, "metadata.totals");
    for (Split s : Split.values()) {
      if (totals.get(s) != lists[s.ordinal()].length) {
        throw new SplitException(
            where
                + ": metadata.totals."
                + s.jsonName()
                + " is "
                + totals.get(s)
                + " but the "
                + s.jsonName()
                + " list has "
                + lists[s.ordinal()].length
                + " indices");
      }
    }

    List<StratumStats> strata = new ArrayList<>();
    JsonNode strataNode = r.field(meta, "metadata", "strata");
    r.array(strataNode, "metadata.strata");
    long[] achievedSum = new long[3];
    long countSum = 0;
    for (int i = 0; i < strataNode.size(); i++) {
      String at = "metadata.strata[" + i + "]";
      JsonNode e = strataNode.get(i);
      r.object(e, at);
      JsonNode pairs = r.field(e, at, "stratum");
      r.object(pairs, at + ".stratum");
      Map<String, String> m = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> p : pairs.properties()) {
        if (!p.getValue().isTextual()) {
          throw r.error(at + ".stratum." + p.getKey(), "a string", p.getValue());
        }
        m.put(p.getKey(), p.getValue().textValue());
      }
      Stratum stratum;
      try {
        stratum = Stratum.of(m);
      } catch (IllegalArgumentException ex) {
        throw new SplitException(where + ": " + at + ".stratum: " + ex.getMessage());
      }
      String key = r.string(e, at, "key", false);
      if (!key.equals(stratum.key())) {
        throw new SplitException(
            where
                + ": "
                + at
                + ".key is \""
                + key
                + "\" but its stratum makes \""
                + stratum.key()
                + "\"");
      }
      long count = r.integer(e, at, "count");
      JsonNode t = r.field(e, at, "target");
      r.object(t, at + ".target");
      SplitShares target =
          new SplitShares(
              r.number(t, at + ".target", "train"),
              r.number(t, at + ".target", "val"),
              r.number(t, at + ".target", "test"));
      SplitCounts achieved = r.counts(r.field(e, at, "achieved"), at + ".achieved");
      if (achieved.sum() != count) {
        throw new SplitException(
            where + ": " + at + ": achieved adds up to " + achieved.sum() + ", count is " + count);
      }
      for (int k = 0; k < 3; k++) {
        achievedSum[k] += achieved.toArray()[k];
      }
      countSum += count;
      strata.add(new StratumStats(stratum, count, target, achieved));
    }
    if (countSum != n || !Arrays.equals(achievedSum, totals.toArray())) {
      throw new SplitException(
          where
              + ": metadata.strata add up to "
              + countSum
              + " records "
              + Arrays.toString(achievedSum)
              + ", the lists hold "
              + n
              + " "
              + Arrays.toString(totals.toArray()));
    }

    JsonNode groupsNode = r.field(meta, "metadata", "groups");
    Long groups = groupsNode.isNull() ? null : r.integer(meta, "metadata", "groups");
    JsonNode devNode = r.field(meta, "metadata", "deviation");
    Deviation deviation = null;
    if (!devNode.isNull()) {
      r.object(devNode, "metadata.deviation");
      deviation =
          new Deviation(
              r.counts(
                  r.field(devNode, "metadata.deviation", "total_off"),
                  "metadata.deviation.total_off"),
              r.number(devNode, "metadata.deviation", "max_stratum_off"));
    }
    if ((groups == null) != (groupBy == null) || (deviation == null) != (groupBy == null)) {
      throw new SplitException(
          where + ": metadata.groups and metadata.deviation must be set exactly when group_by is");
    }

    List<SourceFile> sources = new ArrayList<>();
    JsonNode sourcesNode = r.field(meta, "metadata", "sources");
    r.array(sourcesNode, "metadata.sources");
    for (int i = 0; i < sourcesNode.size(); i++) {
      String at = "metadata.sources[" + i + "]";
      JsonNode e = sourcesNode.get(i);
      r.object(e, at);
      JsonNode gen = r.field(e, at, "generation");
      try {
        sources.add(
            new SourceFile(
                r.string(e, at, "file", false),
                r.string(e, at, "path", false),
                r.integer(e, at, "records"),
                r.integer(e, at, "bytes"),
                gen.isNull() ? null : r.integer(e, at, "generation"),
                r.integer(e, at, "first_index"),
                e.hasNonNull("pkl_sha256") ? r.sha256(e, at, "pkl_sha256") : null));
      } catch (SplitException ex) {
        throw ex.getMessage().startsWith(where)
            ? ex
            : new SplitException(where + ": " + at + ": " + ex.getMessage(), ex);
      }
    }
    sources.sort(Comparator.comparingLong(SourceFile::firstIndex));

    long[] targets = Planner.quotas(n, ratios.weights());
    Plan plan = new Plan(cfg, lists, SplitCounts.of(targets), strata, groups, deviation);
    String problem = coverage(plan, sources);
    if (problem != null) {
      throw new SplitException(where + ": " + problem);
    }
    IndicesFile file = new IndicesFile(plan, sources, rankFunction);
    JsonNode idsNode = meta.get("ids");
    if (idsNode != null && !idsNode.isNull()) {
      IdHashes ids = VersionJson.readIds(idsNode, where, n);
      try {
        file = file.withIds(ids);
      } catch (SplitException e) {
        throw new SplitException(where + ": metadata.ids: " + e.getMessage());
      }
    }
    JsonNode lineageNode = meta.get("lineage");
    if (lineageNode != null && !lineageNode.isNull()) {
      file = file.withLineage(VersionJson.readLineage(lineageNode, where));
    }
    return file;
  }

  /**
   * Null if the sources' ranges do not overlap, hold as many records as the plan and contain every
   * planned index exactly once; else what is wrong.
   */
  private static String coverage(Plan plan, List<SourceFile> byFirstIndex) {
    long records = 0;
    for (int i = 0; i < byFirstIndex.size(); i++) {
      SourceFile s = byFirstIndex.get(i);
      records += s.records();
      if (i > 0) {
        SourceFile p = byFirstIndex.get(i - 1);
        if (p.firstIndex() + p.records() > s.firstIndex()) {
          return p.file()
              + " (indices "
              + p.firstIndex()
              + ".."
              + (p.firstIndex() + p.records() - 1)
              + ") overlaps "
              + s.file()
              + " (from "
              + s.firstIndex()
              + ")";
        }
      }
    }
    if (records != plan.recordCount()) {
      return "the sources hold " + records + " records, the lists " + plan.recordCount();
    }
    long[] all = new long[(int) plan.recordCount()];
    int p = 0;
    for (Split s : Split.values()) {
      long[] list = plan.rawIndices(s);
      System.arraycopy(list, 0, all, p, list.length);
      p += list.length;
    }
    Arrays.sort(all);
    int src = 0;
    for (int i = 0; i < all.length; i++) {
      if (i > 0 && all[i] == all[i - 1]) {
        return "index " + all[i] + " is listed twice";
      }
      while (src < byFirstIndex.size()
          && byFirstIndex.get(src).firstIndex() + byFirstIndex.get(src).records() <= all[i]) {
        src++;
      }
      if (src == byFirstIndex.size() || byFirstIndex.get(src).firstIndex() > all[i]) {
        return "index " + all[i] + " is in no source file's range";
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- comparing

  /**
   * What differs between the run this file was made for and the run described by {@code current}
   * and {@code cfg}, in plain words; empty when the indices still apply. Config values come first
   * ({@code "seed: indices have 7, run asks for 42"}), then files by basename: added, missing, or
   * with a different record count, size or generation. Paths are not compared (a moved folder is
   * the same input); a record count of {@link SourceFile#UNKNOWN_RECORDS} is not compared.
   */
  public List<String> differences(List<SourceFile> current, SplitConfig cfg) {
    List<String> out = new ArrayList<>();
    SplitConfig mine = plan.config();
    if (mine.seed() != cfg.seed()) {
      out.add("seed: indices have " + mine.seed() + ", run asks for " + cfg.seed());
    }
    if (!mine.ratios().equals(cfg.ratios())) {
      out.add("ratios: indices have " + mine.ratios() + ", run asks for " + cfg.ratios());
    }
    if (!mine.strataFields().equals(cfg.strataFields())) {
      out.add(
          "strata fields: indices have "
              + fieldList(mine.strataFields())
              + ", run asks for "
              + fieldList(cfg.strataFields()));
    }
    if (!Objects.equals(mine.groupBy(), cfg.groupBy())) {
      out.add(
          "group by: indices have "
              + (mine.groupBy() == null ? "none" : mine.groupBy())
              + ", run asks for "
              + (cfg.groupBy() == null ? "none" : cfg.groupBy()));
    }
    if (mine.chunkSize() != cfg.chunkSize()) {
      out.add("chunk size: indices have " + mine.chunkSize() + ", run asks for " + cfg.chunkSize());
    }
    if (!rankFunction.equals(RANK_FUNCTION)) {
      out.add(
          "rank function: indices were made with \""
              + rankFunction
              + "\", this version uses \""
              + RANK_FUNCTION
              + "\"");
    }

    Map<String, SourceFile> before = new LinkedHashMap<>();
    for (SourceFile s : sources) {
      before.put(s.file(), s);
    }
    Map<String, Integer> seen = new HashMap<>();
    List<String> fileChanges = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    boolean countsKnown = true;
    for (SourceFile now : current) {
      countsKnown &= now.records() != SourceFile.UNKNOWN_RECORDS;
      if (seen.merge(now.file(), 1, Integer::sum) == 2) {
        fileChanges.add(now.file() + ": listed more than once in the input");
        continue;
      }
      SourceFile was = before.get(now.file());
      if (was == null) {
        fileChanges.add(now.file() + ": new file, not in the indices");
        continue;
      }
      if (now.records() != SourceFile.UNKNOWN_RECORDS && now.records() != was.records()) {
        fileChanges.add(
            now.file()
                + ": records: indices have "
                + was.records()
                + ", input has "
                + now.records());
      }
      if (now.bytes() != was.bytes()) {
        fileChanges.add(
            now.file() + ": bytes: indices have " + was.bytes() + ", input has " + now.bytes());
      }
      // Generations are compared only where both sides know one: Beam's listing has none.
      if (now.generation() != null
          && was.generation() != null
          && !now.generation().equals(was.generation())) {
        fileChanges.add(
            now.file()
                + ": generation: indices have "
                + (was.generation() == null ? "none" : was.generation())
                + ", input has "
                + (now.generation() == null ? "none" : now.generation()));
      }
      // The content of data.pkl (what each record's stratum and group come from), where both sides
      // read it: an in-place edit keeps name and size.
      if (now.pklSha256() != null
          && was.pklSha256() != null
          && !now.pklSha256().equals(was.pklSha256())) {
        fileChanges.add(
            now.file()
                + ": content: its data.pkl changed since the indices were made (SHA-256 "
                + was.pklSha256().substring(0, 12)
                + "... -> "
                + now.pklSha256().substring(0, 12)
                + "...), though name and size are the same");
      }
      if (now.firstIndex() != was.firstIndex()) {
        moved.add(
            now.file()
                + ": first index: indices have "
                + was.firstIndex()
                + ", input has "
                + now.firstIndex()
                + " (files are in a different order)");
      }
    }
    for (SourceFile was : sources) {
      if (!seen.containsKey(was.file())) {
        fileChanges.add(was.file() + ": in the indices, not in the input");
      }
    }
    out.addAll(fileChanges);
    // A shifted first index follows from any change above; alone, it means a different order.
    if (fileChanges.isEmpty() && countsKnown) {
      out.addAll(moved);
    }
    return out;
  }

  private static String fieldList(List<String> fields) {
    return fields.isEmpty() ? "none" : String.join(",", fields);
  }

  /** Field access that names the JSON path and what was found in every error. */
  private static final class Reader {
    private final String where;

    Reader(String where) {
      this.where = where;
    }

    SplitException error(String path, String expected, JsonNode found) {
      String shown = found == null ? "nothing" : found.getNodeType().toString().toLowerCase();
      if (found != null && found.isValueNode()) {
        String text = found.toString();
        shown += " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
      }
      return new SplitException(
          where
              + ": "
              + (path.isEmpty() ? "top level" : path)
              + ": expected "
              + expected
              + ", found "
              + shown);
    }

    void object(JsonNode n, String path) {
      if (!n.isObject()) {
        throw error(path, "an object", n);
      }
    }

    void array(JsonNode n, String path) {
      if (!n.isArray()) {
        throw error(path, "an array", n);
      }
    }

    JsonNode field(JsonNode obj, String path, String name) {
      JsonNode v = obj.get(name);
      if (v == null) {
        throw new SplitException(
            where + ": " + (path.isEmpty() ? "" : path + ".") + name + " is missing");
      }
      return v;
    }

    String string(JsonNode obj, String path, String name, boolean nullable) {
      JsonNode v = field(obj, path, name);
      if (nullable && v.isNull()) {
        return null;
      }
      if (!v.isTextual()) {
        throw error(path + "." + name, nullable ? "a string or null" : "a string", v);
      }
      return v.textValue();
    }

    String sha256(JsonNode obj, String path, String name) {
      String v = string(obj, path, name, false);
      if (!v.matches("[0-9a-f]{64}")) {
        throw error(path + "." + name, "a SHA-256 (64 lowercase hex digits)", obj.get(name));
      }
      return v;
    }

    long integer(JsonNode obj, String path, String name) {
      JsonNode v = field(obj, path, name);
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw error(path + "." + name, "an integer", v);
      }
      return v.longValue();
    }

    double number(JsonNode obj, String path, String name) {
      JsonNode v = field(obj, path, name);
      if (!v.isNumber()) {
        throw error(path + "." + name, "a number", v);
      }
      return v.doubleValue();
    }

    SplitCounts counts(JsonNode n, String path) {
      object(n, path);
      long[] c = new long[3];
      for (Split s : Split.values()) {
        c[s.ordinal()] = integer(n, path, s.jsonName());
        if (c[s.ordinal()] < 0) {
          throw error(path + "." + s.jsonName(), "a count >= 0", n.get(s.jsonName()));
        }
      }
      return SplitCounts.of(c);
    }

    long[] indexList(JsonNode root, String name) {
      JsonNode a = field(root, "", name);
      array(a, name);
      long[] out = new long[a.size()];
      for (int i = 0; i < out.length; i++) {
        JsonNode v = a.get(i);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
          throw error(name + "[" + i + "]", "a global index (an integer >= 0)", v);
        }
        out[i] = v.longValue();
      }
      return out;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndicesFile f && f.toJson().equals(toJson());
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "IndicesFile[" + plan + ", sources=" + sources.size() + "]";
  }
}
