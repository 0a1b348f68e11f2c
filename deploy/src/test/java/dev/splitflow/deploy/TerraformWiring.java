package dev.splitflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Terraform module as {@code tools/hcl/to-json.mjs} prints it ({@code {"files": {path:
 * hcl2json document}}}) and checks its wiring against the code. Every check returns the list of
 * problems (empty: fine) instead of failing, so a test can also feed it a tampered copy and see the
 * difference reported.
 *
 * <p>hcl2json keeps literals as JSON values and writes expressions as {@code "${...}"} strings;
 * blocks are arrays of objects, so {@code resource.T.N[0].service_config[0]}.
 */
final class TerraformWiring {

  /** Where the module's own files are, as opposed to {@code examples/}. */
  static final String EXAMPLES = "examples/";

  private final JsonNode files;

  TerraformWiring(JsonNode toJsonOutput) {
    this.files = toJsonOutput.has("files") ? toJsonOutput.get("files") : toJsonOutput;
  }

  JsonNode files() {
    return files;
  }

  // --- Access -----------------------------------------------------------------------------------

  /** File names, module files only (not examples/) unless {@code examples}. */
  List<String> fileNames(boolean examples) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (examples || !f.startsWith(EXAMPLES)) {
        out.add(f);
      }
    }
    return out;
  }

  /** {@code NAME -> block} of a resource type over the module's files. */
  SortedMap<String, JsonNode> resources(String type) {
    return blocks(moduleFiles(), "resource", type);
  }

  /** {@code TYPE -> NAME -> block} of every resource in the module. */
  SortedMap<String, SortedMap<String, JsonNode>> allResources() {
    SortedMap<String, SortedMap<String, JsonNode>> out = new TreeMap<>();
    for (JsonNode doc : moduleFiles()) {
      JsonNode r = doc.path("resource");
      for (Iterator<String> types = r.fieldNames(); types.hasNext(); ) {
        String type = types.next();
        out.computeIfAbsent(type, t -> new TreeMap<>())
            .putAll(blocks(List.of(doc), "resource", type));
      }
    }
    return out;
  }

  JsonNode resource(String type, String name) {
    JsonNode r = resources(type).get(name);
    if (r == null) {
      throw new IllegalStateException("no resource " + type + "." + name + " in the module");
    }
    return r;
  }

  /** Every {@code locals} entry of the module. */
  SortedMap<String, JsonNode> locals() {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    for (JsonNode doc : moduleFiles()) {
      for (JsonNode block : doc.path("locals")) {
        block.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  /** {@code NAME -> block} of the variables declared in files under {@code prefix}. */
  SortedMap<String, JsonNode> variables(String prefix) {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> f : filesUnder(prefix).entrySet()) {
      JsonNode vars = f.getValue().path("variable");
      for (Iterator<String> it = vars.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        out.put(name, vars.get(name).get(0));
      }
    }
    return out;
  }

  /** The module's variables (not the example's). */
  SortedMap<String, JsonNode> variables() {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    for (String f : fileNames(false)) {
      JsonNode vars = files.get(f).path("variable");
      for (Iterator<String> it = vars.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        out.put(name, vars.get(name).get(0));
      }
    }
    return out;
  }

  /** {@code NAME -> block} of the outputs declared in files under {@code prefix} ("": module). */
  SortedMap<String, JsonNode> outputs(String prefix) {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    Map<String, JsonNode> docs = prefix.isEmpty() ? moduleFilesByName() : filesUnder(prefix);
    for (JsonNode doc : docs.values()) {
      JsonNode outs = doc.path("output");
      for (Iterator<String> it = outs.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        out.put(name, outs.get(name).get(0));
      }
    }
    return out;
  }

  /**
   * The value of {@code ${local.NAME}} (once), or of {@code ${merge(local.A, local.B, ...)}} when
   * every one is a literal map (later keys win, as in Terraform), else the node itself.
   */
  JsonNode resolve(JsonNode value) {
    if (value != null && value.isTextual()) {
      Matcher m = Pattern.compile("^\\$\\{local\\.([a-z0-9_]+)\\}$").matcher(value.asText());
      if (m.matches()) {
        JsonNode local = locals().get(m.group(1));
        if (local != null) {
          return local;
        }
      }
      Matcher merge =
          Pattern.compile("^\\$\\{merge\\((local\\.[a-z0-9_]+(?:, *local\\.[a-z0-9_]+)*)\\)\\}$")
              .matcher(value.asText());
      if (merge.matches()) {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        for (String part : merge.group(1).split(",")) {
          JsonNode local = locals().get(part.trim().substring("local.".length()));
          if (local == null || !local.isObject()) {
            return value;
          }
          merged.setAll((ObjectNode) local);
        }
        return merged;
      }
    }
    return value;
  }

  /** The first (only) nested block of that name, or a missing node. */
  static JsonNode block(JsonNode parent, String name) {
    JsonNode b = parent.path(name);
    return b.isArray() && b.size() > 0 ? b.get(0) : b;
  }

  // --- Checks -----------------------------------------------------------------------------------

  /**
   * The environment a function sets must be exactly {@code expected}: the code's list of deployed
   * variables. Missing and extra names are both problems.
   */
  List<String> environmentProblems(String function, Collection<String> expected) {
    List<String> problems = new ArrayList<>();
    JsonNode fn = resources("google_cloudfunctions2_function").get(function);
    if (fn == null) {
      problems.add("no google_cloudfunctions2_function." + function);
      return problems;
    }
    JsonNode env = resolve(block(fn, "service_config").path("environment_variables"));
    if (!env.isObject()) {
      problems.add(
          function
              + ": service_config.environment_variables must be a literal map (or a local holding"
              + " one) so its names can be checked, found "
              + env);
      return problems;
    }
    Set<String> actual = new TreeSet<>();
    env.fieldNames().forEachRemaining(actual::add);
    for (String name : expected) {
      if (!actual.contains(name)) {
        problems.add(function + ": the code reads " + name + " but Terraform does not set it");
      }
    }
    for (String name : actual) {
      if (!expected.contains(name)) {
        problems.add(function + ": Terraform sets " + name + " but the code does not read it");
      }
    }
    return problems;
  }

  /** The environment map of a function, resolved. */
  JsonNode environment(String function) {
    return resolve(
        block(resource("google_cloudfunctions2_function", function), "service_config")
            .path("environment_variables"));
  }

  /**
   * A bucket notification must filter at the source: OBJECT_FINALIZE only, JSON payload, an
   * object-name prefix ending in {@code tail} (an expression fragment such as {@code
   * ${var.marker_name}}) per dataset folder.
   */
  List<String> notificationProblems(String name, String tail) {
    List<String> problems = new ArrayList<>();
    JsonNode n = resources("google_storage_notification").get(name);
    if (n == null) {
      problems.add("no google_storage_notification." + name);
      return problems;
    }
    String where = "google_storage_notification." + name;
    JsonNode events = n.path("event_types");
    if (!(events.isArray()
        && events.size() == 1
        && events.get(0).asText().equals("OBJECT_FINALIZE"))) {
      problems.add(where + ": event_types must be exactly [\"OBJECT_FINALIZE\"], found " + events);
    }
    if (!n.path("payload_format").asText().equals("JSON_API_V1")) {
      problems.add(
          where + ": payload_format must be JSON_API_V1, found " + n.path("payload_format"));
    }
    String prefix = n.path("object_name_prefix").asText("");
    if (prefix.isEmpty()) {
      problems.add(where + ": object_name_prefix is not set: every object would be notified");
    } else if (!prefix.startsWith("${each.value}") || !prefix.endsWith(tail)) {
      problems.add(
          where + ": object_name_prefix must be ${each.value}..." + tail + ", found " + prefix);
    }
    if (!n.path("for_each").asText("").contains("var.dataset_folders")) {
      problems.add(
          where + ": must be one per entry of var.dataset_folders, for_each " + n.path("for_each"));
    }
    return problems;
  }

  /** Template parameters the launcher passes that {@code metadata.json} does not declare. */
  static List<String> templateParameterProblems(JsonNode metadata, Collection<String> passed) {
    Set<String> declared = new TreeSet<>();
    for (JsonNode p : metadata.path("parameters")) {
      declared.add(p.path("name").asText());
    }
    List<String> problems = new ArrayList<>();
    for (String name : passed) {
      if (!declared.contains(name)) {
        problems.add(
            "the launcher passes template parameter '"
                + name
                + "' but metadata.json does not declare it (Dataflow rejects the launch)");
      }
    }
    return problems;
  }

  /**
   * References to undeclared things, in place of {@code terraform validate} where there is no
   * Terraform: {@code var.X}, {@code local.X}, {@code TYPE.NAME}, {@code data.TYPE.NAME} in the
   * module, and {@code var.X}, {@code module.M.OUTPUT} in each example.
   */
  List<String> referenceProblems() {
    List<String> problems = new ArrayList<>();
    Set<String> declaredResources = new TreeSet<>();
    allResources().forEach((t, rs) -> rs.keySet().forEach(n -> declaredResources.add(t + "." + n)));
    Set<String> declaredData = new TreeSet<>();
    for (JsonNode doc : moduleFiles()) {
      List<JsonNode> scopes = new ArrayList<>(List.of(doc.path("data")));
      // Data sources scoped to check blocks are visible within their block.
      for (JsonNode checks : doc.path("check")) {
        checks.forEach(c -> scopes.add(c.path("data")));
      }
      for (JsonNode data : scopes) {
        data.fieldNames()
            .forEachRemaining(
                t -> data.get(t).fieldNames().forEachRemaining(n -> declaredData.add(t + "." + n)));
      }
    }
    Set<String> vars = variables().keySet();
    Set<String> locals = locals().keySet();
    Pattern ref =
        Pattern.compile(
            "(?<![A-Za-z0-9_.\\-])(data\\.)?(var|local|[a-z][a-z0-9]*_[a-z0-9_]+)\\.([a-z_][a-z0-9_]*)");
    for (String f : fileNames(false)) {
      for (String expr : expressions(files.get(f))) {
        Matcher m = ref.matcher(expr);
        while (m.find()) {
          String kind = m.group(2);
          String name = m.group(3);
          String what = m.group(0);
          boolean ok;
          if (m.group(1) != null) {
            ok = declaredData.contains(kind + "." + name);
          } else if (kind.equals("var")) {
            ok = vars.contains(name);
          } else if (kind.equals("local")) {
            ok = locals.contains(name);
          } else if (kind.equals("each") || kind.equals("path") || kind.equals("count")) {
            ok = true;
          } else {
            ok = declaredResources.contains(kind + "." + name) || !isResourceType(kind);
          }
          if (!ok) {
            problems.add(f + ": " + what + " is not declared");
          }
        }
      }
    }
    // Examples: their own variables and the module's outputs.
    Set<String> moduleOutputs = outputs("").keySet();
    Map<String, Set<String>> exampleVars = new TreeMap<>();
    for (String f : fileNames(true)) {
      if (!f.startsWith(EXAMPLES) || !f.endsWith(".tf")) {
        continue;
      }
      String dir = f.substring(0, f.lastIndexOf('/') + 1);
      Set<String> ev = exampleVars.computeIfAbsent(dir, d -> new TreeSet<>(variables(d).keySet()));
      for (String expr : expressions(files.get(f))) {
        Matcher v = Pattern.compile("(?<![A-Za-z0-9_.])var\\.([a-z_][a-z0-9_]*)").matcher(expr);
        while (v.find()) {
          if (!ev.contains(v.group(1))) {
            problems.add(f + ": var." + v.group(1) + " is not declared in " + dir);
          }
        }
        Matcher mo = Pattern.compile("module\\.splitflow\\.([a-z_][a-z0-9_]*)").matcher(expr);
        while (mo.find()) {
          if (!moduleOutputs.contains(mo.group(1))) {
            problems.add(f + ": module.splitflow." + mo.group(1) + " is not a module output");
          }
        }
      }
    }
    return problems;
  }

  private static boolean isResourceType(String kind) {
    return kind.startsWith("google_")
        || kind.startsWith("terraform_")
        || kind.startsWith("archive_");
  }

  /** Every string holding an expression, anywhere in a document (keys included). */
  static List<String> expressions(JsonNode node) {
    List<String> out = new ArrayList<>();
    collect(node, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isTextual()) {
      if (node.asText().contains("${")) {
        out.add(node.asText());
      }
    } else if (node.isContainerNode()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().contains("${")) {
                  out.add(e.getKey());
                }
                collect(e.getValue(), out);
              });
      if (node.isArray()) {
        node.forEach(n -> collect(n, out));
      }
    }
  }

  // --- Tampering, for the negative tests ---------------------------------------------------------

  /** A deep copy to modify. */
  TerraformWiring copy() {
    return new TerraformWiring(files.deepCopy());
  }

  /** The (mutable) block of a resource in this copy. */
  ObjectNode mutableResource(String type, String name) {
    for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
      JsonNode doc = files.get(it.next());
      JsonNode r = doc.path("resource").path(type).path(name);
      if (r.isArray() && r.size() > 0) {
        return (ObjectNode) r.get(0);
      }
    }
    throw new IllegalStateException("no resource " + type + "." + name);
  }

  /** The (mutable) object of a local holding a literal map, in this copy. */
  ObjectNode mutableLocal(String name) {
    for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
      for (JsonNode block : files.get(it.next()).path("locals")) {
        if (block.has(name) && block.get(name).isObject()) {
          return (ObjectNode) block.get(name);
        }
      }
    }
    throw new IllegalStateException("no local map " + name);
  }

  /** Adds a resource to the first module file of this copy. */
  void addResource(String type, String name, JsonNode block) {
    ObjectNode doc = (ObjectNode) files.get(fileNames(false).get(0));
    ObjectNode res =
        doc.has("resource") ? (ObjectNode) doc.get("resource") : doc.putObject("resource");
    ObjectNode byType = res.has(type) ? (ObjectNode) res.get(type) : res.putObject(type);
    byType.putArray(name).add(block);
  }

  // --- Helpers
  // ------------------------------------------------------------------------------------

  private List<JsonNode> moduleFiles() {
    return new ArrayList<>(moduleFilesByName().values());
  }

  Map<String, JsonNode> moduleFilesByName() {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String f : fileNames(false)) {
      out.put(f, files.get(f));
    }
    return out;
  }

  private Map<String, JsonNode> filesUnder(String prefix) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String f : fileNames(true)) {
      if (f.startsWith(prefix) && f.endsWith(".tf") && f.indexOf('/', prefix.length()) < 0) {
        out.put(f, files.get(f));
      }
    }
    return out;
  }

  private static SortedMap<String, JsonNode> blocks(List<JsonNode> docs, String kind, String type) {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    for (JsonNode doc : docs) {
      JsonNode byName = doc.path(kind).path(type);
      for (Iterator<String> it = byName.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        out.put(name, byName.get(name).get(0));
      }
    }
    return out;
  }
}
