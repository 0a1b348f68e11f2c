package dev.splitflow.pt;

import java.math.BigInteger;
import java.util.List;

/**
 * Cuts what an error message repeats from a file (keys, names, field lists, numbers) to a readable
 * length, saying how much was left out: a file can hold a 64 KiB key or 32,768 field names, and an
 * error line must stay one line a person can read.
 */
public final class Echo {
  /** Characters of one echoed name or key. */
  public static final int MAX_CHARS = 80;

  /** Names of a list. */
  public static final int MAX_ITEMS = 20;

  private Echo() {}

  /** {@code s}, or its first {@link #MAX_CHARS} characters and a count of the rest. */
  public static String cut(String s) {
    if (s.length() <= MAX_CHARS) {
      return s;
    }
    int end = MAX_CHARS;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "... (" + (s.length() - end) + " more characters)";
  }

  /** The items joined by ", ", each cut, at most {@link #MAX_ITEMS}, with a count of the rest. */
  public static String list(List<String> items) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(items.size(), MAX_ITEMS);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(cut(items.get(i)));
    }
    if (items.size() > n) {
      sb.append(" and ").append(items.size() - n).append(" more");
    }
    return sb.toString();
  }

  /** A number in decimal, or its size when that would be long (and slow to convert). */
  public static String number(BigInteger v) {
    if (v.bitLength() <= 128) {
      return v.toString();
    }
    return "a " + v.bitLength() + "-bit int";
  }
}
