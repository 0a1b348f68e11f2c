package dev.splitflow.pt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as Python pickles {@code str}: with {@code surrogatepass}, so a lone surrogate is encoded
 * as its own 3-byte sequence instead of being replaced. Java's codecs would replace it.
 */
final class Utf8 {
  private Utf8() {}

  static byte[] encodeSurrogatePass(String s) {
    // Keys and labels are nearly always ASCII: one array, no stream.
    byte[] ascii = new byte[s.length()];
    for (int i = 0; i < ascii.length; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return encodeAll(s);
      }
      ascii[i] = (byte) c;
    }
    return ascii;
  }

  private static byte[] encodeAll(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < 0x80) {
        out.write(cp);
      } else if (cp < 0x800) {
        out.write(0xC0 | (cp >> 6));
        out.write(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out.write(0xE0 | (cp >> 12));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      } else {
        out.write(0xF0 | (cp >> 18));
        out.write(0x80 | ((cp >> 12) & 0x3F));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      }
    }
    return out.toByteArray();
  }

  /**
   * Whether {@link #decodeSurrogatePassOrNull} would accept the bytes, without decoding them: the
   * reader checks every str it reads, and most are ASCII.
   */
  static boolean isValid(byte[] b) {
    return scan(b, null);
  }

  /** Decodes; returns null if the bytes are not UTF-8 (surrogates allowed). */
  static String decodeSurrogatePassOrNull(byte[] b) {
    if (isAscii(b)) {
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    StringBuilder sb = new StringBuilder(b.length);
    return scan(b, sb) ? sb.toString() : null;
  }

  private static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  /** Walks the code points, appending each to {@code out} if given; false at the first fault. */
  private static boolean scan(byte[] b, StringBuilder out) {
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      int cp;
      int n;
      if (c < 0x80) {
        cp = c;
        n = 1;
      } else if (c >= 0xC2 && c < 0xE0) {
        cp = c & 0x1F;
        n = 2;
      } else if (c >= 0xE0 && c < 0xF0) {
        cp = c & 0x0F;
        n = 3;
      } else if (c >= 0xF0 && c < 0xF5) {
        cp = c & 0x07;
        n = 4;
      } else {
        return false;
      }
      if (i + n > b.length) {
        return false;
      }
      for (int k = 1; k < n; k++) {
        int cc = b[i + k] & 0xFF;
        if ((cc & 0xC0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return false; // overlong or out of range
      }
      if (out != null) {
        out.appendCodePoint(cp);
      }
      i += n;
    }
    return true;
  }

  static String decodeSurrogatePass(byte[] b) {
    String s = decodeSurrogatePassOrNull(b);
    if (s == null) {
      throw new IllegalStateException("not UTF-8");
    }
    return s;
  }
}
