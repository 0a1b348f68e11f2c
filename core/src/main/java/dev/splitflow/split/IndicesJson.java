package dev.splitflow.split;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of an {@link IndicesFile}, kept apart from the value so the byte layout (fixed key
 * order, Python-identical floats, each index list on one line) and the strict reader can be read on
 * their own.
 */
final class IndicesJson {
  private IndicesJson() {}

  // ---------------------------------------------------------------- writing

  /** The file's text, as {@link IndicesFile#toJson()} documents it. */
  static String write(IndicesFile file) {
    Plan plan = file.plan();
    StringBuilder sb = new StringBuilder(64 + (int) Math.min(plan.recordCount() * 8, 1 << 30));
    sb.append("{\n");
    writeLists(sb, plan);
    sb.append("  \"metadata\": {\n");
    writeConfig(sb, plan.config(), file.rankFunction());
    field(sb, "totals", counts(plan.totals()));
    writeStrata(sb, plan.strata());
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
    if (file.ids() != null) {
      field(sb, "ids", VersionJson.ids(file.ids()));
    }
    if (file.lineage() != null) {
      field(sb, "lineage", VersionJson.lineage(file.lineage()));
    }
    writeSources(sb, file.sources());
    sb.append("  }\n}\n");
    return sb.toString();
  }

  private static void writeLists(StringBuilder sb, Plan plan) {
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
  }

  private static void writeConfig(StringBuilder sb, SplitConfig cfg, String rankFunction) {
    field(sb, "format", JsonText.string(IndicesFile.FORMAT));
    field(sb, "version", Integer.toString(IndicesFile.VERSION));
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
  }

  private static void writeStrata(StringBuilder sb, List<StratumStats> strata) {
    sb.append("    \"strata\": [");
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
  }

  private static void writeSources(StringBuilder sb, List<SourceFile> sources) {
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

  /** Reads an indices file, as {@link IndicesFile#parse(String, String)} documents it. */
  static IndicesFile parse(String json, String where) {
    JsonNode root;
    try {
      root = Json.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SplitException(
          where + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    IndicesJsonFields r = new IndicesJsonFields(where);
    r.object(root, "");
    JsonNode meta = metadata(root, r, where);
    SplitConfig cfg = config(meta, r, where);
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
    SplitCounts totals = totals(meta, r, lists, where);
    List<StratumStats> strata = strata(meta, r, n, totals, where);

    JsonNode groupsNode = r.field(meta, "metadata", "groups");
    Long groups = groupsNode.isNull() ? null : r.integer(meta, "metadata", "groups");
    Deviation deviation = deviation(meta, r);
    String groupBy = cfg.groupBy();
    if ((groups == null) != (groupBy == null) || (deviation == null) != (groupBy == null)) {
      throw new SplitException(
          where + ": metadata.groups and metadata.deviation must be set exactly when group_by is");
    }
    List<SourceFile> sources = sources(meta, r, where);

    long[] targets = Planner.quotas(n, cfg.ratios().weights());
    Plan plan = new Plan(cfg, lists, SplitCounts.of(targets), strata, groups, deviation);
    String problem = IndicesFile.coverage(plan, sources);
    if (problem != null) {
      throw new SplitException(where + ": " + problem);
    }
    return withVersionFields(new IndicesFile(plan, sources, rankFunction), meta, where, n);
  }

  /** The checked {@code metadata} object: present, an object, this format and version. */
  private static JsonNode metadata(JsonNode root, IndicesJsonFields r, String where) {
    JsonNode meta = root.get("metadata");
    if (meta == null) {
      throw new SplitException(
          where
              + ": has no \"metadata\"; it was not written by splitflow (only train/val/test"
              + " lists); compute new indices");
    }
    r.object(meta, "metadata");
    String format = r.string(meta, "metadata", "format", false);
    if (!IndicesFile.FORMAT.equals(format)) {
      throw new SplitException(
          where
              + ": metadata.format is \""
              + format
              + "\", expected \""
              + IndicesFile.FORMAT
              + "\"");
    }
    long version = r.integer(meta, "metadata", "version");
    if (version != IndicesFile.VERSION) {
      throw new SplitException(
          where
              + ": indices file version "
              + version
              + " is not supported (this splitflow reads version "
              + IndicesFile.VERSION
              + ")");
    }
    return meta;
  }

  private static SplitConfig config(JsonNode meta, IndicesJsonFields r, String where) {
    long seed = r.integer(meta, "metadata", "seed");
    JsonNode ratiosNode = r.field(meta, "metadata", "ratios");
    r.object(ratiosNode, "metadata.ratios");
    try {
      SplitRatios ratios =
          new SplitRatios(
              r.number(ratiosNode, "metadata.ratios", Split.TRAIN.jsonName()),
              r.number(ratiosNode, "metadata.ratios", Split.VAL.jsonName()),
              r.number(ratiosNode, "metadata.ratios", Split.TEST.jsonName()));
      List<String> strataFields = new ArrayList<>();
      JsonNode sf = r.field(meta, "metadata", "strata_fields");
      r.array(sf, "metadata.strata_fields");
      for (int i = 0; i < sf.size(); i++) {
        if (!sf.get(i).isTextual()) {
          throw r.error("metadata.strata_fields[" + i + "]", "a string", sf.get(i));
        }
        strataFields.add(sf.get(i).textValue());
      }
      String groupBy = r.string(meta, "metadata", "group_by", true);
      long chunk = r.integer(meta, "metadata", "chunk_size");
      if (chunk > Integer.MAX_VALUE) {
        throw new SplitException("chunk size " + chunk + " is too large");
      }
      return new SplitConfig(seed, ratios, strataFields, groupBy, (int) chunk);
    } catch (SplitException e) {
      throw e.getMessage().startsWith(where)
          ? e
          : new SplitException(where + ": metadata: " + e.getMessage(), e);
    }
  }

  private static SplitCounts totals(
      JsonNode meta, IndicesJsonFields r, long[][] lists, String where) {
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
    return totals;
  }

  /** {@code metadata.strata}, each entry checked, adding up to the lists' totals. */
  private static List<StratumStats> strata(
      JsonNode meta, IndicesJsonFields r, long n, SplitCounts totals, String where) {
    List<StratumStats> strata = new ArrayList<>();
    JsonNode strataNode = r.field(meta, "metadata", "strata");
    r.array(strataNode, "metadata.strata");
    long[] achievedSum = new long[3];
    long countSum = 0;
    for (int i = 0; i < strataNode.size(); i++) {
      StratumStats st = stratum(strataNode.get(i), "metadata.strata[" + i + "]", r, where);
      for (int k = 0; k < 3; k++) {
        achievedSum[k] += st.achieved().toArray()[k];
      }
      countSum += st.count();
      strata.add(st);
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
    return strata;
  }

  private static StratumStats stratum(JsonNode e, String at, IndicesJsonFields r, String where) {
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
            r.number(t, at + ".target", Split.TRAIN.jsonName()),
            r.number(t, at + ".target", Split.VAL.jsonName()),
            r.number(t, at + ".target", Split.TEST.jsonName()));
    SplitCounts achieved = r.counts(r.field(e, at, "achieved"), at + ".achieved");
    if (achieved.sum() != count) {
      throw new SplitException(
          where + ": " + at + ": achieved adds up to " + achieved.sum() + ", count is " + count);
    }
    return new StratumStats(stratum, count, target, achieved);
  }

  /** {@code metadata.deviation}, or null when it is JSON null. */
  private static Deviation deviation(JsonNode meta, IndicesJsonFields r) {
    JsonNode devNode = r.field(meta, "metadata", "deviation");
    if (devNode.isNull()) {
      return null;
    }
    r.object(devNode, "metadata.deviation");
    return new Deviation(
        r.counts(
            r.field(devNode, "metadata.deviation", "total_off"), "metadata.deviation.total_off"),
        r.number(devNode, "metadata.deviation", "max_stratum_off"));
  }

  /** {@code metadata.sources}, sorted by first index. */
  private static List<SourceFile> sources(JsonNode meta, IndicesJsonFields r, String where) {
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
    return sources;
  }

  /** {@code file} with {@code metadata.ids} and {@code metadata.lineage} where they are set. */
  private static IndicesFile withVersionFields(
      IndicesFile file, JsonNode meta, String where, long n) {
    JsonNode idsNode = meta.get("ids");
    if (idsNode != null && !idsNode.isNull()) {
      IndicesFile.IdHashes ids = VersionJson.readIds(idsNode, where, n);
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
}
