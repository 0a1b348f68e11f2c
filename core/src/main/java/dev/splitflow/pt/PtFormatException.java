package dev.splitflow.pt;

/**
 * A file that is not a well-formed, safe PyTorch file: truncated, inconsistent, or asking for
 * something outside the allowlist (an unknown global, opcode or persistent id).
 */
public class PtFormatException extends PtException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String location;

  public PtFormatException(String source, String location, String problem) {
    super(oneLine(source + ": " + capped(location, 300) + ": " + capped(problem, 2000)));
    this.source = source;
    this.location = location;
  }

  /** A last guard: whatever a message quotes from a file, the line stays readable. */
  private static String capped(String s, int max) {
    return s.length() <= max
        ? s
        : s.substring(0, max) + "... (" + (s.length() - max) + " more characters)";
  }

  /** Escapes control characters: text quoted from a file must not break the one-line message. */
  static String oneLine(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The file (path or URI) the reader was given. */
  public String source() {
    return source;
  }

  /** Where in the file: a zip entry, a byte offset, or both. */
  public String location() {
    return location;
  }
}
