package dev.splitflow.split;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The indices file's dataset-version fields, {@code metadata.ids} and {@code metadata.lineage}:
 * written only when set, so files of runs without {@code --idField} or {@code --previousIndices}
 * keep their bytes.
 */
final class VersionJson {
  private VersionJson() {}

  static String ids(IndicesFile.IdHashes ids) {
    StringBuilder sb = new StringBuilder(64 + ids.hashes().length * 19);
    sb.append("{\"field\": ").append(JsonText.string(ids.field()));
    sb.append(", \"hash\": ").append(JsonText.string(RecordIds.HASH_FUNCTION));
    sb.append(", \"by_index\": [");
    long[] h = ids.hashes();
    for (int i = 0; i < h.length; i++) {
      sb.append(i == 0 ? "\"" : ",\"").append(RecordIds.hex(h[i])).append('"');
    }
    return sb.append("]}").toString();
  }

  static String lineage(Lineage l) {
    StringBuilder sb = new StringBuilder("{");
    sb.append("\"previous_digest\": ").append(JsonText.string(l.previousDigest()));
    sb.append(", \"previous_records\": ").append(l.previousRecords());
    sb.append(", \"kept\": ").append(counts(l.kept()));
    sb.append(", \"added\": ").append(counts(l.added()));
    sb.append(", \"removed\": ").append(counts(l.removed()));
    sb.append(", \"total_off\": ").append(counts(l.totalOff()));
    sb.append(", \"rewritten_chunks\": {");
    for (Split s : Split.values()) {
      sb.append(s.ordinal() == 0 ? "" : ", ").append(JsonText.string(s.jsonName())).append(": [");
      List<Integer> r = l.rewritten(s);
      for (int i = 0; i < r.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(r.get(i));
      }
      sb.append(']');
    }
    sb.append('}');
    sb.append(", \"strata\": [");
    for (int i = 0; i < l.strata().size(); i++) {
      Lineage.StratumChange c = l.strata().get(i);
      sb.append(i == 0 ? "\n      " : ",\n      ");
      sb.append("{\"key\": ").append(JsonText.string(c.key()));
      sb.append(", \"kept\": ").append(counts(c.kept()));
      sb.append(", \"added\": ").append(counts(c.added()));
      sb.append(", \"max_off\": ").append(JsonText.number(c.maxOff())).append('}');
    }
    return sb.append(l.strata().isEmpty() ? "]}" : "\n    ]}").toString();
  }

  private static String counts(SplitCounts c) {
    return "{\"train\": " + c.train() + ", \"val\": " + c.val() + ", \"test\": " + c.test() + "}";
  }

  // ---------------------------------------------------------------- reading

  static IndicesFile.IdHashes readIds(JsonNode node, String where, long records) {
    String at = "metadata.ids";
    object(node, where, at);
    String field = text(node, where, at, "field");
    String hash = text(node, where, at, "hash");
    if (!hash.equals(RecordIds.HASH_FUNCTION)) {
      throw new SplitException(
          where
              + ": "
              + at
              + ".hash is \""
              + hash
              + "\"; this splitflow makes id hashes as \""
              + RecordIds.HASH_FUNCTION
              + "\"");
    }
    JsonNode list = node.get("by_index");
    if (list == null || !list.isArray()) {
      throw new SplitException(where + ": " + at + ".by_index: expected an array");
    }
    if (list.size() != records) {
      throw new SplitException(
          where
              + ": "
              + at
              + ".by_index has "
              + list.size()
              + " hashes for "
              + records
              + " records");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = list.get(i);
      String s = v.isTextual() ? v.textValue() : "";
      if (!s.matches("[0-9a-f]{16}")) {
        throw new SplitException(
            where + ": " + at + ".by_index[" + i + "]: expected 16 hex digits, found " + v);
      }
      out[i] = Long.parseUnsignedLong(s, 16);
    }
    return new IndicesFile.IdHashes(field, out);
  }

  static Lineage readLineage(JsonNode node, String where) {
    String at = "metadata.lineage";
    object(node, where, at);
    List<Lineage.StratumChange> strata = new ArrayList<>();
    JsonNode list = node.get("strata");
    if (list == null || !list.isArray()) {
      throw new SplitException(where + ": " + at + ".strata: expected an array");
    }
    for (int i = 0; i < list.size(); i++) {
      String e = at + ".strata[" + i + "]";
      JsonNode n = list.get(i);
      object(n, where, e);
      JsonNode off = n.get("max_off");
      if (off == null || !off.isNumber()) {
        throw new SplitException(where + ": " + e + ".max_off: expected a number");
      }
      strata.add(
          new Lineage.StratumChange(
              text(n, where, e, "key"),
              counts(n, where, e, "kept"),
              counts(n, where, e, "added"),
              off.doubleValue()));
    }
    JsonNode prev = node.get("previous_records");
    if (prev == null || !prev.canConvertToLong() || !prev.isIntegralNumber()) {
      throw new SplitException(where + ": " + at + ".previous_records: expected an integer");
    }
    List<List<Integer>> rewritten = new ArrayList<>();
    JsonNode rw = node.get("rewritten_chunks");
    if (rw == null || !rw.isObject()) {
      throw new SplitException(where + ": " + at + ".rewritten_chunks: expected an object");
    }
    for (Split s : Split.values()) {
      JsonNode a = rw.get(s.jsonName());
      String path = at + ".rewritten_chunks." + s.jsonName();
      if (a == null || !a.isArray()) {
        throw new SplitException(where + ": " + path + ": expected an array");
      }
      List<Integer> nums = new ArrayList<>();
      for (JsonNode x : a) {
        if (!x.isInt() || x.intValue() < 0) {
          throw new SplitException(where + ": " + path + ": expected chunk numbers, found " + x);
        }
        nums.add(x.intValue());
      }
      rewritten.add(nums);
    }
    return new Lineage(
        text(node, where, at, "previous_digest"),
        prev.longValue(),
        counts(node, where, at, "kept"),
        counts(node, where, at, "added"),
        counts(node, where, at, "removed"),
        counts(node, where, at, "total_off"),
        strata,
        rewritten);
  }

  private static void object(JsonNode n, String where, String at) {
    if (!n.isObject()) {
      throw new SplitException(where + ": " + at + ": expected an object");
    }
  }

  private static String text(JsonNode n, String where, String at, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new SplitException(where + ": " + at + "." + name + ": expected a string");
    }
    return v.textValue();
  }

  private static SplitCounts counts(JsonNode n, String where, String at, String name) {
    JsonNode v = n.get(name);
    String path = at + "." + name;
    if (v == null || !v.isObject()) {
      throw new SplitException(where + ": " + path + ": expected an object");
    }
    long[] c = new long[3];
    for (Split s : Split.values()) {
      JsonNode x = v.get(s.jsonName());
      if (x == null || !x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) {
        throw new SplitException(
            where + ": " + path + "." + s.jsonName() + ": expected a count >= 0");
      }
      c[s.ordinal()] = x.longValue();
    }
    return SplitCounts.of(c);
  }
}
