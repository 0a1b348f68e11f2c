package dev.splitflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The argument and nested-block names of each resource and data source type, as the providers'
 * schemas define them ({@code tools/hcl/provider-schema.json}, extracted from HashiCorp's prebuilt
 * CDK for Terraform bindings by {@code tools/hcl/extract-schema.mjs}), checked against the parsed
 * module: unknown arguments and blocks, and missing required ones, the part of {@code terraform
 * validate} that needs no binary (types and values are left to the providers at plan time).
 */
final class ProviderSchema {
  /** Terraform's own meta-arguments and blocks, valid in every resource and data block. */
  private static final Set<String> META =
      Set.of(
          "count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection");

  private final JsonNode schema;

  ProviderSchema(JsonNode schema) {
    this.schema = schema;
  }

  /** Every argument or block of the module's resources and data sources the schema lacks. */
  List<String> problems(Map<String, JsonNode> moduleFiles) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> file : moduleFiles.entrySet()) {
      List<JsonNode> scopes = new ArrayList<>(List.of(file.getValue()));
      // Data sources scoped to check blocks.
      for (JsonNode checks : file.getValue().path("check")) {
        checks.forEach(scopes::add);
      }
      for (JsonNode scope : scopes) {
        check(file.getKey(), scope, out);
      }
    }
    return out;
  }

  private void check(String fileName, JsonNode doc, List<String> out) {
    {
      for (String kind : List.of("resource", "data")) {
        JsonNode byType = doc.path(kind);
        for (Iterator<String> types = byType.fieldNames(); types.hasNext(); ) {
          String type = types.next();
          JsonNode typeSchema = schema.path(kind).path(type);
          for (Iterator<String> names = byType.get(type).fieldNames(); names.hasNext(); ) {
            String name = names.next();
            String where = fileName + ": " + kind + " " + type + "." + name;
            if (typeSchema.isMissingNode()) {
              out.add(where + ": no schema for " + type + " (run tools/hcl/extract-schema.mjs)");
              continue;
            }
            for (JsonNode body : byType.get(type).get(name)) {
              check(body, typeSchema, where, true, out);
            }
          }
        }
      }
    }
  }

  private void check(JsonNode body, JsonNode s, String where, boolean top, List<String> out) {
    for (JsonNode required : s.path("required")) {
      String name = required.asText();
      if (!body.has(name) && !body.path("dynamic").has(name)) {
        out.add(where + ": missing required argument " + name);
      }
    }
    for (Iterator<String> keys = body.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      JsonNode value = body.get(key);
      if (top && META.contains(key)) {
        continue;
      }
      if (key.equals("dynamic")) {
        for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
          String block = names.next();
          JsonNode blockSchema = s.path("blocks").path(block);
          if (blockSchema.isMissingNode()) {
            out.add(where + ": unknown block " + block + " (dynamic)");
            continue;
          }
          for (JsonNode d : value.get(block)) {
            for (JsonNode content : d.path("content")) {
              check(content, blockSchema, where + "." + block, false, out);
            }
          }
        }
        continue;
      }
      if (contains(s.path("args"), key)) {
        continue;
      }
      JsonNode blockSchema = s.path("blocks").path(key);
      if (blockSchema.isMissingNode()) {
        out.add(where + ": unknown argument " + key);
        continue;
      }
      for (JsonNode nested : value.isArray() ? value : List.of(value)) {
        if (nested.isObject()) {
          check(nested, blockSchema, where + "." + key, false, out);
        }
      }
    }
  }

  private static boolean contains(JsonNode array, String key) {
    for (JsonNode a : array) {
      if (a.asText().equals(key)) {
        return true;
      }
    }
    return false;
  }
}
