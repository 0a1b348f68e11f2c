package dev.splitflow.json;

/**
 * The one escaper of hand-written JSON string literals (the indices file and {@code ./splitflow
 * inspect} write their JSON by hand for a byte layout Jackson does not make). Two rules, chosen
 * explicitly, because the two outputs differ on purpose: the indices file keeps text as UTF-8, as
 * Python's {@code json.dumps(ensure_ascii=False)} does, while {@code inspect} prints only printable
 * ASCII so its output survives any terminal and compares byte for byte with the torch side's {@code
 * ensure_ascii=True} dump.
 */
public final class JsonStrings {
  private JsonStrings() {}

  /** Which characters are written as {@code \\uXXXX}. */
  public enum Escape {
    /**
     * Text stays UTF-8: only {@code "}, {@code \} and control characters are escaped ({@code \b \f
     * \n \r \t} in their short forms); a lone surrogate is written as {@code \\uXXXX} so it
     * survives a round trip instead of becoming {@code ?}. The indices file's rule.
     */
    UNICODE,
    /**
     * Only printable ASCII ({@code ' '..'~'}) stays: {@code "}, {@code \}, {@code \n \r \t} in
     * their short forms, every other UTF-16 unit (other controls, DEL, non-ASCII, each half of a
     * surrogate pair) as {@code \\uXXXX}. {@code inspect}'s rule.
     */
    PRINTABLE_ASCII
  }

  /** {@code s} as a JSON string literal, quotes included. */
  public static String quote(String s, Escape escape) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    quote(sb, s, escape);
    return sb.toString();
  }

  /** Appends {@code s} as a JSON string literal, quotes included. */
  public static void quote(StringBuilder sb, String s, Escape escape) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (escape == Escape.PRINTABLE_ASCII) {
            if (c < 0x20 || c > 0x7e) {
              hex(sb, c);
            } else {
              sb.append(c);
            }
          } else if (c == '\b') {
            sb.append("\\b");
          } else if (c == '\f') {
            sb.append("\\f");
          } else if (c < 0x20) {
            hex(sb, c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            hex(sb, c);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void hex(StringBuilder sb, char c) {
    String h = Integer.toHexString(c);
    sb.append("\\u");
    for (int i = h.length(); i < 4; i++) {
      sb.append('0');
    }
    sb.append(h);
  }
}
