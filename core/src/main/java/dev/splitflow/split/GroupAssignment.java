package dev.splitflow.split;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The group mode of {@link Planner}, on its own because placing whole groups against an exact
 * objective is a separate algorithm from the stratified quota fill (and {@link GroupExtension}
 * reuses it for an extension's new records).
 */
final class GroupAssignment {
  private GroupAssignment() {}

  private static final int K = 3;

  /**
   * Group mode. Groups are placed largest first (ties: group hash, then smallest global index),
   * each into the split with a positive ratio that least increases
   *
   * <pre>sum_k (total_k - T_k)^2 + sum_{s,k} (c_{s,k} - n_s r_k)^2</pre>
   *
   * (ties in split order). The increase is computed exactly, scaled by W: for a group of m records,
   * g_s of them in stratum s, {@code W (m^2 + 2m d_k) + sum_s g_s (g_s W + 2 D_{s,k})} with {@code
   * d_k = total_k - T_k} and {@code D_{s,k} = c_{s,k} W - n_s w_k}.
   *
   * @param placed records per stratum and split placed before these groups (an extension's kept
   *     records), or null for none
   * @return the number of groups
   */
  static int assign(
      RecordInfo[] recs,
      long seed,
      int[] stratumOf,
      long[] rank,
      long[] global,
      long[] perStratum,
      BigInteger[] w,
      long[] targets,
      byte[] splitOf,
      long[][] placed) {
    List<Integer> firstMember = new ArrayList<>();
    int[] groupOf = numberGroups(recs, firstMember);
    int groups = firstMember.size();
    // Members of each group, contiguous, sorted by stratum inside the group.
    int[] ids = new int[recs.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    IntSort.sort(
        ids,
        (a, b) -> {
          int c = Integer.compare(groupOf[a], groupOf[b]);
          return c != 0 ? c : Integer.compare(stratumOf[a], stratumOf[b]);
        });
    int[] start = new int[groups + 1];
    for (int g : groupOf) {
      start[g + 1]++;
    }
    for (int g = 0; g < groups; g++) {
      start[g + 1] += start[g];
    }
    int[] byPriority = byPriority(recs, seed, rank, global, firstMember, ids, start);
    GroupCost cost = startingCost(recs.length, perStratum, w, targets, placed);
    place(byPriority, ids, start, stratumOf, cost, splitOf);
    return groups;
  }

  /** Numbers the groups in order of first member; a record without a group is a group alone. */
  private static int[] numberGroups(RecordInfo[] recs, List<Integer> firstMember) {
    int n = recs.length;
    int[] groupOf = new int[n];
    Map<String, Integer> named = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String g = recs[i].group();
      Integer id = g == null ? null : named.get(g);
      if (id == null) {
        id = firstMember.size();
        firstMember.add(i);
        if (g != null) {
          named.put(g, id);
        }
      }
      groupOf[i] = id;
    }
    return groupOf;
  }

  /** The groups largest first; ties by group hash, then by smallest global index. */
  private static int[] byPriority(
      RecordInfo[] recs,
      long seed,
      long[] rank,
      long[] global,
      List<Integer> firstMember,
      int[] ids,
      int[] start) {
    int groups = firstMember.size();
    long[] hash = new long[groups];
    long[] minGlobal = new long[groups];
    SplitHash groupHash = new SplitHash(SplitHash.GROUP, seed);
    for (int g = 0; g < groups; g++) {
      int first = firstMember.get(g);
      String name = recs[first].group();
      hash[g] = name == null ? rank[first] : groupHash.hash(name);
      long min = Long.MAX_VALUE;
      for (int p = start[g]; p < start[g + 1]; p++) {
        min = Math.min(min, global[ids[p]]);
      }
      minGlobal[g] = min;
    }
    int[] byPriority = new int[groups];
    for (int g = 0; g < groups; g++) {
      byPriority[g] = g;
    }
    IntSort.sort(
        byPriority,
        (a, b) -> {
          int c = Integer.compare(start[b + 1] - start[b], start[a + 1] - start[a]);
          if (c == 0) {
            c = Long.compareUnsigned(hash[a], hash[b]);
          }
          return c != 0 ? c : Long.compare(minGlobal[a], minGlobal[b]);
        });
    return byPriority;
  }

  /** The objective before any group is placed, counting an extension's kept records if any. */
  private static GroupCost startingCost(
      int n, long[] perStratum, BigInteger[] w, long[] targets, long[][] placed) {
    GroupCost cost =
        Planner.fitsInLong(w, Math.max(n, Arrays.stream(perStratum).sum()))
                && !Planner.forceBigIntegerCosts
            ? new LongCost(perStratum, w, targets)
            : new BigCost(perStratum, w, targets);
    if (placed != null) {
      int[] allStrata = IntStream.range(0, perStratum.length).toArray();
      for (int k = 0; k < K; k++) {
        long[] col = column(placed, k);
        cost.add(k, Arrays.stream(col).sum(), allStrata, col, allStrata.length);
      }
    }
    return cost;
  }

  /** Places each group, in priority order, whole into the split it costs least. */
  private static void place(
      int[] byPriority, int[] ids, int[] start, int[] stratumOf, GroupCost cost, byte[] splitOf) {
    int[] runStratum = new int[ids.length];
    long[] runCount = new long[ids.length];
    for (int g : byPriority) {
      int runs = 0;
      for (int p = start[g]; p < start[g + 1]; p++) {
        int s = stratumOf[ids[p]];
        if (runs > 0 && runStratum[runs - 1] == s) {
          runCount[runs - 1]++;
        } else {
          runStratum[runs] = s;
          runCount[runs++] = 1;
        }
      }
      long m = start[g + 1] - start[g];
      int best = cost.best(m, runStratum, runCount, runs);
      cost.add(best, m, runStratum, runCount, runs);
      for (int p = start[g]; p < start[g + 1]; p++) {
        splitOf[ids[p]] = (byte) best;
      }
    }
  }

  private static long[] column(long[][] table, int k) {
    long[] out = new long[table.length];
    for (int s = 0; s < table.length; s++) {
      out[s] = table[s][k];
    }
    return out;
  }

  /**
   * The group-mode objective, scaled by W: state {@code d_k = total_k - T_k} and {@code D_{s,k} =
   * c_{s,k} W - n_s w_k}; {@link #best} picks the split a group of m records (runs of g_s records
   * per stratum s) increases least, ties to the earlier split, never a split with ratio 0.
   */
  private interface GroupCost {
    int best(long m, int[] runStratum, long[] runCount, int runs);

    void add(int k, long m, int[] runStratum, long[] runCount, int runs);
  }

  private static final class LongCost implements GroupCost {
    private final long wsum;
    private final long[] w = new long[K];
    private final long[] d = new long[K];
    private final long[][] dev;

    LongCost(long[] perStratum, BigInteger[] weights, long[] targets) {
      wsum = weights[0].add(weights[1]).add(weights[2]).longValueExact();
      dev = new long[perStratum.length][K];
      for (int k = 0; k < K; k++) {
        w[k] = weights[k].longValueExact();
        d[k] = -targets[k];
        for (int s = 0; s < perStratum.length; s++) {
          dev[s][k] = -perStratum[s] * w[k];
        }
      }
    }

    @Override
    public int best(long m, int[] runStratum, long[] runCount, int runs) {
      int best = -1;
      long bestDelta = 0;
      for (int k = 0; k < K; k++) {
        if (w[k] == 0) {
          continue; // a split with ratio 0 gets nothing, even when that would fit better
        }
        long delta = wsum * (m * m + 2 * m * d[k]);
        for (int r = 0; r < runs; r++) {
          long gs = runCount[r];
          delta += gs * (gs * wsum + 2 * dev[runStratum[r]][k]);
        }
        if (best < 0 || delta < bestDelta) {
          best = k;
          bestDelta = delta;
        }
      }
      return best;
    }

    @Override
    public void add(int k, long m, int[] runStratum, long[] runCount, int runs) {
      d[k] += m;
      for (int r = 0; r < runs; r++) {
        dev[runStratum[r]][k] += runCount[r] * wsum;
      }
    }
  }

  /** The same with BigInteger, for ratios whose decimals make W too large for longs. */
  private static final class BigCost implements GroupCost {
    private final BigInteger wsum;
    private final BigInteger[] w;
    private final BigInteger[] d = new BigInteger[K];
    private final BigInteger[][] dev;

    BigCost(long[] perStratum, BigInteger[] weights, long[] targets) {
      w = weights.clone();
      wsum = w[0].add(w[1]).add(w[2]);
      dev = new BigInteger[perStratum.length][K];
      for (int k = 0; k < K; k++) {
        d[k] = BigInteger.valueOf(-targets[k]);
        for (int s = 0; s < perStratum.length; s++) {
          dev[s][k] = BigInteger.valueOf(perStratum[s]).multiply(w[k]).negate();
        }
      }
    }

    @Override
    public int best(long m, int[] runStratum, long[] runCount, int runs) {
      BigInteger bm = BigInteger.valueOf(m);
      int best = -1;
      BigInteger bestDelta = null;
      for (int k = 0; k < K; k++) {
        if (w[k].signum() == 0) {
          continue;
        }
        BigInteger delta =
            wsum.multiply(bm.multiply(bm).add(BigInteger.TWO.multiply(bm).multiply(d[k])));
        for (int r = 0; r < runs; r++) {
          BigInteger gs = BigInteger.valueOf(runCount[r]);
          delta =
              delta.add(
                  gs.multiply(
                      gs.multiply(wsum).add(BigInteger.TWO.multiply(dev[runStratum[r]][k]))));
        }
        if (bestDelta == null || delta.compareTo(bestDelta) < 0) {
          best = k;
          bestDelta = delta;
        }
      }
      return best;
    }

    @Override
    public void add(int k, long m, int[] runStratum, long[] runCount, int runs) {
      d[k] = d[k].add(BigInteger.valueOf(m));
      for (int r = 0; r < runs; r++) {
        int s = runStratum[r];
        dev[s][k] = dev[s][k].add(BigInteger.valueOf(runCount[r]).multiply(wsum));
      }
    }
  }
}
