package dev.splitflow.split;

/**
 * A stable merge sort of {@code int} ids by a comparator, without boxing: the planner sorts a
 * million record ids several times, and {@code Integer[]} would cost four times the memory.
 */
final class IntSort {
  private IntSort() {}

  /**
   * The order to sort by, on unboxed ids: a {@code Comparator<Integer>} would box every compare.
   */
  @FunctionalInterface
  interface IntComparator {
    int compare(int a, int b);
  }

  static void sort(int[] a, IntComparator cmp) {
    sort(a, 0, a.length, cmp, new int[a.length]);
  }

  /** Sorts {@code a[from..to)}; {@code buf} must be at least as long as {@code a}. */
  static void sort(int[] a, int from, int to, IntComparator cmp, int[] buf) {
    int n = to - from;
    if (n < 2) {
      return;
    }
    // Insertion sort small runs, then merge bottom-up.
    final int run = 32;
    for (int lo = from; lo < to; lo += run) {
      int hi = Math.min(lo + run, to);
      for (int i = lo + 1; i < hi; i++) {
        int x = a[i];
        int j = i - 1;
        while (j >= lo && cmp.compare(a[j], x) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = x;
      }
    }
    int[] src = a;
    int[] dst = buf;
    for (int width = run; width < n; width *= 2) {
      for (int lo = from; lo < to; lo += 2 * width) {
        int mid = Math.min(lo + width, to);
        int hi = Math.min(lo + 2 * width, to);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          dst[k++] = cmp.compare(src[j], src[i]) < 0 ? src[j++] : src[i++];
        }
        while (i < mid) {
          dst[k++] = src[i++];
        }
        while (j < hi) {
          dst[k++] = src[j++];
        }
      }
      int[] t = src;
      src = dst;
      dst = t;
    }
    if (src != a) {
      System.arraycopy(src, from, a, from, n);
    }
  }
}
