package dev.splitflow.split;

import java.util.Arrays;

/**
 * A split's list in an extension: every kept record at its previous position; new records, by order
 * hash (ties by global index), first into the places of removed records, then after the last;
 * places still empty when the new records run out are filled from the end of the list. So only
 * chunks that lost or gained a record change.
 */
final class PositionFill {
  private PositionFill() {}

  static long[] list(
      int k, Extension.Previous prev, int[] oldOf, byte[] splitOf, long[] order, long[] global) {
    long[] before = prev.file.plan().rawIndices(Split.values()[k]);
    long[] slots = new long[before.length];
    Arrays.fill(slots, -1);
    int fresh = 0;
    for (int i = 0; i < oldOf.length; i++) {
      if (oldOf[i] >= 0 && prev.split[oldOf[i]] == k) {
        slots[prev.position[oldOf[i]]] = global[i];
      } else if (oldOf[i] < 0 && splitOf[i] == k) {
        fresh++;
      }
    }
    int[] ids = new int[fresh];
    for (int i = 0, j = 0; i < oldOf.length; i++) {
      if (oldOf[i] < 0 && splitOf[i] == k) {
        ids[j++] = i;
      }
    }
    IntSort.sort(ids, (a, b) -> Planner.compareHash(order, global, a, b));
    long[] out = Arrays.copyOf(slots, slots.length + fresh);
    int next = 0;
    for (int p = 0; p < slots.length && next < fresh; p++) {
      if (out[p] < 0) {
        out[p] = global[ids[next++]];
      }
    }
    int end = slots.length;
    while (next < fresh) {
      out[end++] = global[ids[next++]];
    }
    // Close the places no new record took: move the last record into the first hole.
    for (int p = 0; p < end; p++) {
      if (out[p] < 0) {
        while (end > p && out[end - 1] < 0) {
          end--;
        }
        if (end > p + 1) {
          out[p] = out[--end];
        } else {
          end = p;
        }
      }
    }
    return Arrays.copyOf(out, end);
  }
}
