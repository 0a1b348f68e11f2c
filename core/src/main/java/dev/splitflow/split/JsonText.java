package dev.splitflow.split;

import dev.splitflow.json.JsonStrings;

/** The few pieces of JSON text the indices file writer needs, written the same on every JDK. */
final class JsonText {
  private JsonText() {}

  /** A JSON string literal by the indices file's rule ({@link JsonStrings.Escape#UNICODE}). */
  static void string(StringBuilder sb, String s) {
    JsonStrings.quote(sb, s, JsonStrings.Escape.UNICODE);
  }

  static String string(String s) {
    return JsonStrings.quote(s, JsonStrings.Escape.UNICODE);
  }

  /** A finite double as Python's json module writes it (its repr). */
  static String number(double d) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("JSON has no " + d);
    }
    return PyFloat.repr(d);
  }
}
