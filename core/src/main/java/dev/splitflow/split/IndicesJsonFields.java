package dev.splitflow.split;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Field access for reading an indices file that names the file, the JSON path and what was found in
 * every error, so a hand-edited file says exactly where it is wrong.
 */
final class IndicesJsonFields {
  private final String where;

  IndicesJsonFields(String where) {
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
