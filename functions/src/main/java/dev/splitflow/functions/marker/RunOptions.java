package dev.splitflow.functions.marker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import dev.splitflow.split.SplitRatios;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The options of one run, as a marker's JSON content or a deployment's defaults give them. Every
 * field may be absent (null): {@link #over} fills gaps from the defaults, {@link #resolve} from the
 * built-in defaults (seed 42, 0.7/0.15/0.15, view_position x has:clinical_features, 50).
 *
 * <p>Keys are the pipeline's option names ({@code trainRatio}, ...) so a marker reads like the Flex
 * Template parameters it becomes.
 */
public record RunOptions(
    Double trainRatio,
    Double valRatio,
    Double testRatio,
    Long seed,
    Integer chunkSize,
    List<String> strataFields,
    String groupBy,
    Integer expectedBatchCount,
    String previousIndices,
    String idField) {

  public static final RunOptions NONE =
      new RunOptions(null, null, null, null, null, null, null, null, null, null);

  /** Every key a marker may hold. */
  public static final List<String> KEYS =
      List.of(
          "trainRatio",
          "valRatio",
          "testRatio",
          "seed",
          "chunkSize",
          "strataFields",
          "groupBy",
          "expectedBatchCount",
          "previousIndices",
          "idField");

  /**
   * Parses a marker's content: empty (or only whitespace) means no overrides; otherwise one JSON
   * object of the {@link #KEYS}. Errors name {@code where} and the key.
   */
  public static RunOptions parse(String text, String where) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = Json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new MarkerException(
          where
              + ": not valid JSON ("
              + e.getOriginalMessage()
              + " at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + "); expected an empty object or a JSON object with keys "
              + String.join(", ", KEYS));
    }
    if (root == null || !root.isObject()) {
      throw new MarkerException(
          where
              + ": expected a JSON object with keys "
              + String.join(", ", KEYS)
              + ", found "
              + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        String camel = camelCase(key);
        throw new MarkerException(
            where
                + ": unknown key '"
                + key
                + "'"
                + (KEYS.contains(camel) ? " (did you mean '" + camel + "'?)" : "")
                + "; known keys: "
                + String.join(", ", KEYS));
      }
    }
    Fields f = new Fields(root, where);
    RunOptions o =
        new RunOptions(
            f.ratio("trainRatio"),
            f.ratio("valRatio"),
            f.ratio("testRatio"),
            f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE),
            f.intOrNull("chunkSize", 1, 1_000_000),
            f.strings("strataFields"),
            f.groupBy("groupBy"),
            f.intOrNull("expectedBatchCount", 1, 1_000_000),
            f.path("previousIndices"),
            f.groupBy("idField"));
    boolean anyRatio = o.trainRatio != null || o.valRatio != null || o.testRatio != null;
    boolean allRatios = o.trainRatio != null && o.valRatio != null && o.testRatio != null;
    if (anyRatio && !allRatios) {
      throw new MarkerException(
          where + ": give trainRatio, valRatio and testRatio together (they must sum to 1)");
    }
    try {
      o.resolve();
    } catch (SplitException e) {
      throw new MarkerException(where + ": " + e.getMessage());
    }
    return o;
  }

  /** These options where set, {@code base} elsewhere. */
  public RunOptions over(RunOptions base) {
    boolean ratios = trainRatio != null;
    return new RunOptions(
        ratios ? trainRatio : base.trainRatio,
        ratios ? valRatio : base.valRatio,
        ratios ? testRatio : base.testRatio,
        seed != null ? seed : base.seed,
        chunkSize != null ? chunkSize : base.chunkSize,
        strataFields != null ? strataFields : base.strataFields,
        groupBy != null ? groupBy : base.groupBy,
        expectedBatchCount != null ? expectedBatchCount : base.expectedBatchCount,
        previousIndices != null ? previousIndices : base.previousIndices,
        idField != null ? idField : base.idField);
  }

  /** The planner's configuration, built-in defaults where unset. */
  public SplitConfig resolve() {
    SplitConfig c = SplitConfig.defaults();
    if (trainRatio != null) {
      c = c.withRatios(new SplitRatios(trainRatio, valRatio, testRatio));
    }
    if (seed != null) {
      c = c.withSeed(seed);
    }
    if (chunkSize != null) {
      c = c.withChunkSize(chunkSize);
    }
    if (strataFields != null) {
      c = c.withStrataFields(strataFields);
    }
    if (groupBy != null && !groupBy.isEmpty()) {
      c = c.withGroupBy(groupBy);
    }
    return c;
  }

  private static String camelCase(String key) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char ch : key.toCharArray()) {
      if (ch == '_' || ch == '-') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(ch) : ch);
        up = false;
      }
    }
    return b.toString();
  }

  /** Typed access to the marker's fields with errors that say what was expected and found. */
  private record Fields(JsonNode root, String where) {
    private MarkerException bad(String key, String expected) {
      JsonNode v = root.get(key);
      String found = v.getNodeType().toString().toLowerCase();
      if (v.isValueNode()) {
        String t = v.toString();
        found += " " + (t.length() > 40 ? t.substring(0, 40) + "..." : t);
      }
      return new MarkerException(
          where + ": " + key + ": expected " + expected + ", found " + found);
    }

    private JsonNode get(String key) {
      JsonNode v = root.get(key);
      return v == null || v.isNull() ? null : v;
    }

    Double ratio(String key) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
        throw bad(
            key,
            "a number between 0 and 1"
                + (v.isNumber() && v.asDouble() > 1 && v.asDouble() <= 100
                    ? " (a share: " + v.asDouble() / 100 + ", not a percentage)"
                    : ""));
      }
      return v.asDouble();
    }

    Long integer(String key, long min, long max) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw bad(key, "an integer");
      }
      long n = v.asLong();
      if (n < min || n > max) {
        throw bad(key, "an integer between " + min + " and " + max);
      }
      return n;
    }

    Integer intOrNull(String key, int min, int max) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
        throw bad(key, "an integer between " + min + " and " + max);
      }
      return v.asInt();
    }

    /** A field name, or "" for none (so a marker can turn off a deployment's default). */
    String groupBy(String key) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (v.isTextual() && v.asText().isEmpty()) {
        return "";
      }
      return text(key);
    }

    /**
     * A path to an indices file: a gs:// URI, or a path relative to the dataset folder. Other
     * schemes and absolute paths are refused: the function reads only Cloud Storage.
     */
    String path(String key) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (!v.isTextual() || v.asText().isBlank()) {
        throw bad(key, "a gs:// URI or a path relative to the dataset folder");
      }
      String p = v.asText().trim();
      if ((p.contains("://") && !p.startsWith("gs://")) || p.startsWith("/")) {
        throw bad(key, "a gs:// URI or a path relative to the dataset folder");
      }
      return p;
    }

    String text(String key) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      if (!v.isTextual() || v.asText().isBlank()) {
        throw bad(key, "a field name");
      }
      return v.asText().trim();
    }

    /** A list of field names, as a JSON array or one comma-separated string. */
    List<String> strings(String key) {
      JsonNode v = get(key);
      if (v == null) {
        return null;
      }
      List<String> out = new ArrayList<>();
      if (v.isTextual()) {
        for (String s : v.asText().split(",")) {
          if (!s.isBlank()) {
            out.add(s.trim());
          }
        }
        return out;
      }
      if (!v.isArray()) {
        throw bad(
            key, "a list of field names such as [\"view_position\", \"has:clinical_features\"]");
      }
      for (JsonNode e : v) {
        if (!e.isTextual() || e.asText().isBlank()) {
          throw bad(key, "a list of field names (strings)");
        }
        out.add(e.asText().trim());
      }
      return out;
    }
  }

  public RunOptions {
    strataFields = strataFields == null ? null : List.copyOf(strataFields);
  }

  /** The id field, or null for none (a marker's {@code ""} turns off a deployment's default). */
  public String idFieldOrNull() {
    return idField == null || idField.isEmpty() ? null : idField;
  }

  /**
   * {@link #previousIndices} as a gs:// URI: as given when it is one, else resolved against the
   * dataset folder ({@code v1/stratification_indices.json}, {@code ../out/...}).
   *
   * @throws MarkerException if a relative path climbs out of the bucket
   */
  public String previousIndicesUri(String datasetFolderUri, String where) {
    if (previousIndices == null) {
      return null;
    }
    if (previousIndices.startsWith("gs://")) {
      return previousIndices;
    }
    URI base = URI.create(datasetFolderUri);
    URI resolved;
    try {
      resolved = base.resolve(new URI(null, null, previousIndices, null));
    } catch (URISyntaxException e) {
      throw new MarkerException(where + ": previousIndices: not a path: " + previousIndices);
    }
    String path = resolved.getPath();
    if (path == null || path.startsWith("/..") || !path.startsWith("/") || path.endsWith("/")) {
      throw new MarkerException(
          where
              + ": previousIndices: "
              + previousIndices
              + " resolves outside the bucket or to a folder; give the indices file, relative to "
              + datasetFolderUri
              + " or as a gs:// URI");
    }
    return "gs://" + base.getAuthority() + path;
  }
}
