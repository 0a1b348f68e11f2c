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
              GroupAssignment.assign(
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
   * Tests set this to check that both cost implementations of {@link GroupAssignment} choose alike.
   */
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
