package dev.splitflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a JSON value against an Avro schema in Avro's JSON encoding, as Pub/Sub validates a
 * message on a topic with a JSON-encoded Avro schema (the summary topic's {@code
 * terraform/schemas/summary.avsc}).
 */
final class AvroJson {
  private AvroJson() {}

  /**
   * Where a JSON value does not match an Avro schema in Avro's JSON encoding, as Pub/Sub validates
   * a message on a topic with a JSON-encoded Avro schema. Records must have exactly their fields
   * (none missing, none extra). Unions are reported as unsupported: the summary schema has none.
   */
  static List<String> problems(JsonNode value, JsonNode schema) {
    List<String> problems = new ArrayList<>();
    avro(value, schema, "$", new TreeMap<>(), problems);
    return problems;
  }

  private static void avro(
      JsonNode v,
      JsonNode schema,
      String path,
      Map<String, JsonNode> named,
      List<String> problems) {
    if (schema.isArray()) {
      problems.add(path + ": union types are not used (Avro JSON would wrap the value)");
      return;
    }
    String type = schema.isTextual() ? schema.asText() : schema.path("type").asText();
    if (schema.isObject() && schema.has("name")) {
      named.put(schema.get("name").asText(), schema);
    }
    if (named.containsKey(type) && schema.isTextual()) {
      avro(v, named.get(type), path, named, problems);
      return;
    }
    switch (type) {
      case "record" -> record(v, schema, path, named, problems);
      case "enum" -> {
        List<String> symbols = new ArrayList<>();
        schema.path("symbols").forEach(x -> symbols.add(x.asText()));
        if (!v.isTextual() || !symbols.contains(v.asText())) {
          problems.add(path + ": expected one of " + symbols + ", found " + v);
        }
      }
      case "array" -> {
        if (!v.isArray()) {
          problems.add(path + ": expected an array, found " + v.getNodeType());
          return;
        }
        for (int i = 0; i < v.size(); i++) {
          avro(v.get(i), schema.path("items"), path + "[" + i + "]", named, problems);
        }
      }
      case "map" -> {
        if (!v.isObject()) {
          problems.add(path + ": expected an object (map), found " + v.getNodeType());
          return;
        }
        v.fields()
            .forEachRemaining(
                e ->
                    avro(
                        e.getValue(),
                        schema.path("values"),
                        path + "." + e.getKey(),
                        named,
                        problems));
      }
      case "string" -> {
        if (!v.isTextual()) {
          problems.add(path + ": expected a string, found " + v);
        }
      }
      case "int" -> {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
          problems.add(path + ": expected an int, found " + v);
        }
      }
      case "long" -> {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
          problems.add(path + ": expected a long, found " + v);
        }
      }
      case "float", "double" -> {
        if (!v.isNumber()) {
          problems.add(path + ": expected a number, found " + v);
        }
      }
      case "boolean" -> {
        if (!v.isBoolean()) {
          problems.add(path + ": expected a boolean, found " + v);
        }
      }
      case "null" -> {
        if (!v.isNull()) {
          problems.add(path + ": expected null, found " + v);
        }
      }
      default -> problems.add(path + ": unsupported schema type " + type);
    }
  }

  /** An object with exactly the record's fields, each matching its type. */
  private static void record(
      JsonNode v,
      JsonNode schema,
      String path,
      Map<String, JsonNode> named,
      List<String> problems) {
    if (!v.isObject()) {
      problems.add(path + ": expected an object, found " + v.getNodeType());
      return;
    }
    Set<String> fields = new TreeSet<>();
    for (JsonNode f : schema.path("fields")) {
      String name = f.path("name").asText();
      fields.add(name);
      if (!v.has(name)) {
        problems.add(path + "." + name + ": missing");
      } else {
        avro(v.get(name), f.path("type"), path + "." + name, named, problems);
      }
    }
    v.fieldNames()
        .forEachRemaining(
            n -> {
              if (!fields.contains(n)) {
                problems.add(path + "." + n + ": not in the schema");
              }
            });
  }
}
