package dev.splitflow.split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record's stratum: ordered (strata field, value string) pairs, e.g. {@code view_position=PA} and
 * {@code has:clinical_features=true}.
 *
 * <p>Identity is the canonical {@link #key()}: pairs joined by {@code |}, each written {@code
 * field=value}, with {@code \}, {@code |} and {@code =} inside names and values escaped by a
 * backslash so different pairs never make the same key. Strata sort by key in Unicode code point
 * order (Python's {@code str} order, not Java's UTF-16 order), which the planner's tie-breaks use.
 *
 * <p>Only the key is stored, so the many records of one stratum cost one short string each.
 */
public final class Stratum implements Comparable<Stratum> {
  private final String key;

  private Stratum(String key) {
    this.key = key;
  }

  /** The stratum with these pairs, in this order; field names must not be empty. */
  public static Stratum of(List<String> fields, List<String> values) {
    if (fields.size() != values.size()) {
      throw new IllegalArgumentException(
          fields.size() + " fields but " + values.size() + " values");
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).isEmpty()) {
        throw new IllegalArgumentException("empty stratum field name");
      }
      if (i > 0) {
        sb.append('|');
      }
      escape(sb, fields.get(i));
      sb.append('=');
      escape(sb, values.get(i));
    }
    return new Stratum(sb.toString());
  }

  /** The stratum with the map's pairs in its iteration order. */
  public static Stratum of(Map<String, String> pairs) {
    return of(new ArrayList<>(pairs.keySet()), new ArrayList<>(pairs.values()));
  }

  /** Reads a {@link #key()} back. */
  public static Stratum fromKey(String key) {
    Stratum s = of(new Stratum(key).fields());
    if (!s.key.equals(key)) {
      throw new SplitException(
          "'" + key + "' is not a canonical stratum key; expected '" + s.key + "'");
    }
    return s;
  }

  /** The canonical key, e.g. {@code view_position=PA|has:clinical_features=true}. */
  public String key() {
    return key;
  }

  /** The (field, value) pairs in order. */
  public Map<String, String> fields() {
    Map<String, String> m = new LinkedHashMap<>();
    if (key.isEmpty()) {
      return Collections.unmodifiableMap(m);
    }
    StringBuilder field = new StringBuilder();
    StringBuilder value = new StringBuilder();
    StringBuilder cur = field;
    boolean inValue = false;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\') {
        if (i + 1 == key.length()) {
          throw new SplitException("stratum key '" + key + "' ends in a lone backslash");
        }
        cur.append(key.charAt(++i));
      } else if (c == '=' && !inValue) {
        inValue = true;
        cur = value;
      } else if (c == '|') {
        put(m, field, value, inValue);
        field.setLength(0);
        value.setLength(0);
        cur = field;
        inValue = false;
      } else {
        cur.append(c);
      }
    }
    put(m, field, value, inValue);
    return Collections.unmodifiableMap(m);
  }

  private void put(Map<String, String> m, StringBuilder field, StringBuilder value, boolean ok) {
    if (!ok || field.length() == 0 || m.put(field.toString(), value.toString()) != null) {
      throw new SplitException("'" + key + "' is not a stratum key (field=value|field=value...)");
    }
  }

  private static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || c == '|' || c == '=') {
        sb.append('\\');
      }
      sb.append(c);
    }
  }

  @Override
  public int compareTo(Stratum o) {
    return compareCodePoints(key, o.key);
  }

  /** Compares by Unicode code points, as Python compares {@code str}. */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Stratum s && s.key.equals(key);
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }

  @Override
  public String toString() {
    return key.isEmpty() ? "(all records)" : key;
  }
}
