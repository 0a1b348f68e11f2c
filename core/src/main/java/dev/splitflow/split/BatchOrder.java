package dev.splitflow.split;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order batch files are numbered in: natural order of their basenames, so {@code batch_2.pt}
 * comes before {@code batch_10.pt}. Global indices count records in this order.
 *
 * <p>Basenames are cut into runs of ASCII digits and runs of other characters. Runs are compared
 * pairwise: two digit runs by numeric value (any length), otherwise by code points; a name that
 * runs out of runs first sorts first. Names equal under that rule ({@code batch_2} and {@code
 * batch_02}) are ordered by their basenames in code point order, then by the whole path, so the
 * order is total; identical paths keep their input order.
 */
public final class BatchOrder {
  private BatchOrder() {}

  /** Basenames in natural order, then plain text; see the class comment. */
  public static final Comparator<String> COMPARATOR =
      (a, b) -> {
        String ba = basename(a);
        String bb = basename(b);
        int c = compareNatural(ba, bb);
        if (c == 0) {
          c = Stratum.compareCodePoints(ba, bb);
        }
        return c != 0 ? c : Stratum.compareCodePoints(a, b);
      };

  /** A sorted copy of {@code paths} (local paths or URIs such as {@code gs://b/x/batch_1.pt}). */
  public static List<String> sort(List<String> paths) {
    List<String> sorted = new ArrayList<>(paths);
    sorted.sort(COMPARATOR); // List.sort is a stable merge sort
    return sorted;
  }

  /** The text after the last {@code /} (or {@code \}). */
  public static String basename(String path) {
    int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return path.substring(cut + 1);
  }

  static int compareNatural(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ei = runEnd(a, i);
      int ej = runEnd(b, j);
      boolean da = isDigit(a.charAt(i));
      boolean db = isDigit(b.charAt(j));
      int c;
      if (da && db) {
        c = compareNumbers(a, i, ei, b, j, ej);
      } else {
        c = Stratum.compareCodePoints(a.substring(i, ei), b.substring(j, ej));
      }
      if (c != 0) {
        return c;
      }
      i = ei;
      j = ej;
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int runEnd(String s, int start) {
    boolean digit = isDigit(s.charAt(start));
    int e = start + 1;
    while (e < s.length() && isDigit(s.charAt(e)) == digit) {
      e++;
    }
    return e;
  }

  /** Compares digit runs by value without parsing, so runs of any length work. */
  private static int compareNumbers(String a, int i, int ei, String b, int j, int ej) {
    while (i < ei - 1 && a.charAt(i) == '0') {
      i++;
    }
    while (j < ej - 1 && b.charAt(j) == '0') {
      j++;
    }
    int c = Integer.compare(ei - i, ej - j);
    for (int k = 0; c == 0 && k < ei - i; k++) {
      c = Character.compare(a.charAt(i + k), b.charAt(j + k));
    }
    return c;
  }
}
