package dev.splitflow.split;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * Rounds the strata x splits table of exact shares {@code n_s * w_k / W} to whole counts so that
 * every stratum's row sums to {@code n_s}, every split's column sums to its total {@code T_k}, and
 * every cell is the floor or (only where the share has a fractional part) the ceiling of its share.
 *
 * <p>Such a rounding always exists (Cox 1987, controlled rounding). For three columns it can be
 * seen directly: the fractional parts themselves are a fractional solution, and with at most three
 * columns every Hall condition of the bipartite "extra record" problem follows from the column
 * totals being roundings of the column shares; so the max flow saturates, and augmenting paths find
 * it. See docs/split.md for the exact procedure, which the tie-breaks make deterministic.
 */
final class ControlledRounding {
  private ControlledRounding() {}

  private static final int K = 3;

  /**
   * @param n records per stratum, strata in key order (tie-breaks prefer lower indices)
   * @param w the ratios' integer weights
   * @param totals the split totals; each the floor or ceiling of {@code sum(n) * w_k / W}, summing
   *     to {@code sum(n)}
   * @return counts[s][k]
   */
  static long[][] round(long[] n, BigInteger[] w, long[] totals) {
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    BigInteger[][] shares = new BigInteger[n.length][K];
    for (int s = 0; s < n.length; s++) {
      for (int k = 0; k < K; k++) {
        shares[s][k] = BigInteger.valueOf(n[s]).multiply(w[k]);
      }
    }
    return round(shares, wsum, totals);
  }

  /**
   * The same for any table of non-negative shares {@code num[s][k] / den} whose rows add up to
   * whole numbers (the extension planner's shares after the previous version's records are fixed).
   *
   * @param totals each the floor or ceiling of its column's sum, adding up to the table's sum
   */
  static long[][] round(BigInteger[][] num, BigInteger wsum, long[] totals) {
    int strata = num.length;
    boolean small = wsum.bitLength() <= 62;
    long[] remL = small ? new long[strata * K] : null;
    BigInteger[] remB = small ? null : new BigInteger[strata * K];
    boolean[] allowed = new boolean[strata * K];
    long[][] c = new long[strata][K];
    long[] rowNeed = new long[strata];
    long[] colNeed = totals.clone();
    int cells = 0;
    for (int s = 0; s < strata; s++) {
      BigInteger row = num[s][0].add(num[s][1]).add(num[s][2]);
      rowNeed[s] = row.divide(wsum).longValueExact();
      for (int k = 0; k < K; k++) {
        BigInteger[] qr = num[s][k].divideAndRemainder(wsum);
        c[s][k] = qr[0].longValueExact();
        rowNeed[s] -= c[s][k];
        colNeed[k] -= c[s][k];
        int cell = s * K + k;
        if (small) {
          remL[cell] = qr[1].longValueExact();
        } else {
          remB[cell] = qr[1];
        }
        if (qr[1].signum() > 0) {
          allowed[cell] = true;
          cells++;
        }
      }
    }
    for (int k = 0; k < K; k++) {
      if (colNeed[k] < 0) {
        throw new IllegalStateException(
            "split total below the sum of floors: " + Arrays.toString(totals));
      }
    }

    // Greedy: cells by fractional part, largest first; ties by stratum, then split (cell id order).
    int[] order = new int[cells];
    for (int cell = 0, i = 0; cell < strata * K; cell++) {
      if (allowed[cell]) {
        order[i++] = cell;
      }
    }
    IntSort.sort(
        order,
        (a, b) -> {
          int r = small ? Long.compare(remL[b], remL[a]) : remB[b].compareTo(remB[a]);
          return r != 0 ? r : Integer.compare(a, b);
        });
    boolean[] used = new boolean[strata * K];
    for (int cell : order) {
      int s = cell / K;
      int k = cell % K;
      if (rowNeed[s] > 0 && colNeed[k] > 0) {
        used[cell] = true;
        rowNeed[s]--;
        colNeed[k]--;
      }
    }

    repair(strata, allowed, used, rowNeed, colNeed);

    for (int s = 0; s < strata; s++) {
      for (int k = 0; k < K; k++) {
        if (used[s * K + k]) {
          c[s][k]++;
        }
      }
    }
    return c;
  }

  /**
   * Gives every stratum still short of records its extras by shortest augmenting paths: from the
   * stratum to a split where it may take an extra, then, while that split is full, on to another
   * split through a stratum that holds an extra in the full split and may move it. Strata are
   * served in key order; the search visits splits in split order and, between two splits, uses the
   * first suitable stratum in key order.
   */
  private static void repair(
      int strata, boolean[] allowed, boolean[] used, long[] rowNeed, long[] colNeed) {
    boolean any = false;
    for (long r : rowNeed) {
      any |= r > 0;
    }
    if (!any) {
      return;
    }
    // movable[a*K+b]: strata holding an extra in split a that may take one in split b instead.
    @SuppressWarnings("unchecked")
    TreeSet<Integer>[] movable = new TreeSet[K * K];
    for (int i = 0; i < K * K; i++) {
      movable[i] = new TreeSet<>();
    }
    for (int s = 0; s < strata; s++) {
      index(s, allowed, used, movable);
    }
    int[] viaStratum = new int[K];
    int[] fromSplit = new int[K];
    for (int s = 0; s < strata; s++) {
      while (rowNeed[s] > 0) {
        Arrays.fill(fromSplit, -2); // -2 unvisited, -1 reached directly from s
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int k = 0; k < K; k++) {
          if (allowed[s * K + k] && !used[s * K + k]) {
            fromSplit[k] = -1;
            queue.add(k);
          }
        }
        int end = -1;
        while (!queue.isEmpty()) {
          int a = queue.poll();
          if (colNeed[a] > 0) {
            end = a;
            break;
          }
          for (int b = 0; b < K; b++) {
            if (fromSplit[b] == -2 && !movable[a * K + b].isEmpty()) {
              fromSplit[b] = a;
              viaStratum[b] = movable[a * K + b].first();
              queue.add(b);
            }
          }
        }
        if (end < 0) {
          throw new IllegalStateException(
              "controlled rounding found no augmenting path for stratum #" + s);
        }
        colNeed[end]--;
        rowNeed[s]--;
        int k = end;
        while (fromSplit[k] != -1) {
          int t = viaStratum[k];
          int a = fromSplit[k];
          used[t * K + k] = true;
          used[t * K + a] = false;
          index(t, allowed, used, movable);
          k = a;
        }
        used[s * K + k] = true;
        index(s, allowed, used, movable);
      }
    }
  }

  private static void index(int s, boolean[] allowed, boolean[] used, TreeSet<Integer>[] movable) {
    for (int a = 0; a < K; a++) {
      for (int b = 0; b < K; b++) {
        if (a == b) {
          continue;
        }
        if (used[s * K + a] && allowed[s * K + b] && !used[s * K + b]) {
          movable[a * K + b].add(s);
        } else {
          movable[a * K + b].remove(s);
        }
      }
    }
  }
}
