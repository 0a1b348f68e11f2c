package dev.splitflow.split;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Decides which records go to train, val and test, and in what order. The plan is a documented
 * function of the seed, the ratios and each record's identity, stratum and group (docs/split.md
 * gives every step, byte for byte); it does not depend on the order of the input list.
 *
 * <p>Without groups: each split gets exactly its largest-remainder quota {@code T_k} of the N
 * records, each stratum gets within one record of its exact share in every split (controlled
 * rounding), and inside a stratum the records with the lowest rank hash go to train, then val, then
 * test. With a group-by field: whole groups are placed greedily, largest first, where they least
 * increase the squared distance from the targets; see {@link Deviation}.
 *
 * <p>Costs O(N log N) time: two SHA-256 hashes and a few sorts per record, about 40 bytes a record
 * besides the input list.
 */
public final class Planner {
  private Planner() {}

  private static final int K = 3;

  /** The most records one plan can hold (positions within a split are packed in 30 bits). */
  public static final int MAX_RECORDS = (1 << 30) - 1;

  public static Plan plan(List<RecordInfo> records, SplitConfig cfg) {
    int n = records.size();
    if (n == 0) {
      throw new SplitException("no records to split");
    }
    if (n > MAX_RECORDS) {
      throw new SplitException("too many records for one plan: " + n + " > " + MAX_RECORDS);
    }
    RecordInfo[] recs = records.toArray(new RecordInfo[0]);

    // Strata, numbered in key order so that index order is the tie-break order.
    Set<Stratum> distinct = new HashSet<>();
    for (RecordInfo r : recs) {
      distinct.add(r.stratum());
    }
    Stratum[] strata = distinct.toArray(new Stratum[0]);
    Arrays.sort(strata);
    Map<Stratum, Integer> strataIndex = new HashMap<>();
    for (int s = 0; s < strata.length; s++) {
      strataIndex.put(strata[s], s);
    }
    int[] stratumOf = new int[n];
    long[] global = new long[n];
    long[] perStratum = new long[strata.length];
    for (int i = 0; i < n; i++) {
      stratumOf[i] = strataIndex.get(recs[i].stratum());
      global[i] = recs[i].globalIndex();
      perStratum[stratumOf[i]]++;
    }
    checkUniqueGlobalIndices(global, recs);

    long[] rank = hashAll(recs, SplitHash.RANK, cfg.seed());
    long[] order = hashAll(recs, SplitHash.ORDER, cfg.seed());
    checkUniqueIdentities(rank, recs);

    BigInteger[] w = cfg.ratios().weights();
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    long[] targets = quotas(n, w);

    byte[] splitOf = new byte[n];
    Long groupCount = null;
    if (cfg.groupBy() == null) {
      long[][] counts = ControlledRounding.round(perStratum, w, targets);
      assignWithinStrata(stratumOf, rank, global, counts, splitOf);
    } else {
      groupCount =
          (long)
              assignGroups(
                  recs, cfg.seed(), stratumOf, rank, global, perStratum, w, targets, splitOf, null);
    }

    // Each split's list: by order hash, ties by global index.
    long[][] lists = new long[K][];
    int[] buf = new int[n];
    long[][] achieved = new long[strata.length][K];
    for (int k = 0; k < K; k++) {
      int size = 0;
      for (int i = 0; i < n; i++) {
        if (splitOf[i] == k) {
          size++;
        }
      }
      int[] ids = new int[size];
      for (int i = 0, j = 0; i < n; i++) {
        if (splitOf[i] == k) {
          ids[j++] = i;
          achieved[stratumOf[i]][k]++;
        }
      }
      IntSort.sort(ids, 0, size, (a, b) -> compareHash(order, global, a, b), buf);
      lists[k] = new long[size];
      for (int j = 0; j < size; j++) {
        lists[k][j] = global[ids[j]];
      }
    }

    List<StratumStats> stats = new ArrayList<>(strata.length);
    BigInteger maxOff = BigInteger.ZERO; // max |c W - n w|, i.e. W * max |c - share|
    for (int s = 0; s < strata.length; s++) {
      double[] share = new double[K];
      for (int k = 0; k < K; k++) {
        BigInteger nw = BigInteger.valueOf(perStratum[s]).multiply(w[k]);
        share[k] = ratio(nw, wsum);
        maxOff = maxOff.max(BigInteger.valueOf(achieved[s][k]).multiply(wsum).subtract(nw).abs());
      }
      stats.add(
          new StratumStats(
              strata[s], perStratum[s], SplitShares.of(share), SplitCounts.of(achieved[s])));
    }
    Deviation deviation = null;
    if (groupCount != null) {
      long[] off = new long[K];
      for (int k = 0; k < K; k++) {
        off[k] = Math.abs(lists[k].length - targets[k]);
      }
      deviation = new Deviation(SplitCounts.of(off), ratio(maxOff, wsum));
    }
    return new Plan(cfg, lists, SplitCounts.of(targets), stats, groupCount, deviation);
  }

  /**
   * Largest-remainder quotas: each split gets {@code floor(n w_k / W)}, and the records left over
   * (at most two) go one each to the splits with the largest remainders, ties in split order.
   */
  static long[] quotas(long n, BigInteger[] w) {
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    long[] q = new long[K];
    BigInteger[] rem = new BigInteger[K];
    long left = n;
    for (int k = 0; k < K; k++) {
      BigInteger[] qr = BigInteger.valueOf(n).multiply(w[k]).divideAndRemainder(wsum);
      q[k] = qr[0].longValueExact();
      rem[k] = qr[1];
      left -= q[k];
    }
    Integer[] byRem = {0, 1, 2};
    Arrays.sort(byRem, (a, b) -> rem[b].compareTo(rem[a])); // stable: ties stay in split order
    for (int i = 0; i < left; i++) {
      q[byRem[i]]++;
    }
    return q;
  }

  /** Inside each stratum: lowest rank first; the first c_train to train, next c_val to val. */
  private static void assignWithinStrata(
      int[] stratumOf, long[] rank, long[] global, long[][] counts, byte[] splitOf) {
    int n = stratumOf.length;
    int strata = counts.length;
    int[] start = new int[strata + 1];
    for (int s : stratumOf) {
      start[s + 1]++;
    }
    for (int s = 0; s < strata; s++) {
      start[s + 1] += start[s];
    }
    int[] ids = new int[n];
    int[] fill = Arrays.copyOf(start, strata);
    for (int i = 0; i < n; i++) {
      ids[fill[stratumOf[i]]++] = i;
    }
    int[] buf = new int[n];
    for (int s = 0; s < strata; s++) {
      IntSort.sort(ids, start[s], start[s + 1], (a, b) -> compareHash(rank, global, a, b), buf);
      int p = start[s];
      for (int k = 0; k < K; k++) {
        for (long c = 0; c < counts[s][k]; c++) {
          splitOf[ids[p++]] = (byte) k;
        }
      }
    }
  }

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
  static int assignGroups(
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
    int n = recs.length;
    int[] groupOf = new int[n];
    Map<String, Integer> named = new HashMap<>();
    List<Integer> firstMember = new ArrayList<>();
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
    int groups = firstMember.size();
    // Members of each group, contiguous, sorted by stratum inside the group.
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    IntSort.sort(
        ids,
        (a, b) -> {
          int c = Integer.compare(groupOf[a], groupOf[b]);
          return c != 0 ? c : Integer.compare(stratumOf[a], stratumOf[b]);
        });
    int[] start = new int[groups + 1];
    for (int i = 0; i < n; i++) {
      start[groupOf[i] + 1]++;
    }
    for (int g = 0; g < groups; g++) {
      start[g + 1] += start[g];
    }
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

    int[] runStratum = new int[n];
    long[] runCount = new long[n];
    GroupCost cost =
        fitsInLong(w, Math.max(n, Arrays.stream(perStratum).sum())) && !forceBigIntegerCosts
            ? new LongCost(perStratum, w, targets)
            : new BigCost(perStratum, w, targets);
    if (placed != null) {
      int[] allStrata = IntStream.range(0, perStratum.length).toArray();
      for (int k = 0; k < K; k++) {
        long[] col = column(placed, k);
        cost.add(k, Arrays.stream(col).sum(), allStrata, col, allStrata.length);
      }
    }
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
    return groups;
  }

  private static long[] column(long[][] table, int k) {
    long[] out = new long[table.length];
    for (int s = 0; s < table.length; s++) {
      out[s] = table[s][k];
    }
    return out;
  }

  /** Tests set this to check that both cost implementations choose alike. */
  static boolean forceBigIntegerCosts = false;

  /**
   * Whether every cost term fits in a long: |delta| <= 6 W N^2 (m, g_s <= N, |d_k| <= N, |D_{s,k}|
   * <= N W). With everyday ratios (W = 20 for 0.7/0.15/0.15) that holds up to about 190 million
   * records.
   */
  static boolean fitsInLong(BigInteger[] w, long n) {
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    BigInteger bound = BigInteger.valueOf(6).multiply(wsum).multiply(BigInteger.valueOf(n).pow(2));
    return bound.bitLength() < 62;
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

  static int compareHash(long[] hash, long[] global, int a, int b) {
    int c = Long.compareUnsigned(hash[a], hash[b]);
    return c != 0 ? c : Long.compare(global[a], global[b]);
  }

  /** Hashes every identity; in parallel, as SHA-256 is half the planning time. */
  static long[] hashAll(RecordInfo[] recs, String purpose, long seed) {
    long[] out = new long[recs.length];
    int block = 1 << 14;
    IntStream blocks = IntStream.range(0, (recs.length + block - 1) / block);
    (recs.length > 4 * block ? blocks.parallel() : blocks)
        .forEach(
            b -> {
              SplitHash h = new SplitHash(purpose, seed);
              for (int i = b * block, end = Math.min(recs.length, i + block); i < end; i++) {
                out[i] = h.hash(recs[i].identity());
              }
            });
    return out;
  }

  static void checkUniqueGlobalIndices(long[] global, RecordInfo[] recs) {
    long[] sorted = global.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        List<String> who = new ArrayList<>();
        for (RecordInfo r : recs) {
          if (r.globalIndex() == sorted[i]) {
            who.add(r.identity());
          }
        }
        throw new SplitException(
            "global index " + sorted[i] + " is given to more than one record: " + who);
      }
    }
  }

  /**
   * Equal identities hash alike, so they would be ranked together instead of independently; they
   * mean two batch files share a basename. Found through the rank hashes, without a set of strings.
   */
  static void checkUniqueIdentities(long[] rank, RecordInfo[] recs) {
    long[] sorted = rank.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        Map<String, Long> seen = new HashMap<>();
        for (int j = 0; j < recs.length; j++) {
          if (rank[j] == sorted[i]) {
            Long other = seen.putIfAbsent(recs[j].identity(), recs[j].globalIndex());
            if (other != null) {
              throw new SplitException(
                  "record identity '"
                      + recs[j].identity()
                      + "' is used by global indices "
                      + other
                      + " and "
                      + recs[j].globalIndex()
                      + ": do two batch files have the same name?");
            }
          }
        }
      }
    }
  }

  /** {@code num / den} as the nearest double (34 significant digits, then rounded). */
  static double ratio(BigInteger num, BigInteger den) {
    return new BigDecimal(num).divide(new BigDecimal(den), MathContext.DECIMAL128).doubleValue();
  }
}
