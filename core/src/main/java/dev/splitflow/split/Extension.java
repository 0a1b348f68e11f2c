package dev.splitflow.split;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Plans a new version of a dataset from the plan of the previous one ({@code --previousIndices})
 * without moving a single record: every record of the previous version keeps its split, and keeps
 * its place in its split's list unless a removed record's place must be filled from the end.
 *
 * <p>New records are assigned per stratum as close to the exact shares as the kept records allow:
 * the real target of stratum s in split k is {@code z_{s,k} = max(a_{s,k}, n_s r_k - λ_s)}, with
 * {@code a} the kept records and {@code λ_s >= 0} the one value that makes the row add up to {@code
 * n_s} ({@code λ_s = 0}, so {@code z = n_s r_k}, whenever no kept count exceeds its share). That
 * table is rounded as in {@link Planner} (controlled rounding, split totals the largest-remainder
 * quotas of its column sums). With a group-by field, new records of a known group join it; new
 * groups are placed by {@link Planner}'s greedy rule, counting the records already placed.
 * docs/split.md gives every step.
 */
public final class Extension {
  private Extension() {}

  private static final int K = 3;

  /**
   * The new version's plan.
   *
   * @param lineage what was kept, added and removed
   * @param notes one line per previous batch file with records that are gone (not an error)
   */
  public record Result(Plan plan, Lineage lineage, List<String> notes) {}

  /**
   * @param records the new version's records, global indices in {@link BatchOrder} order
   * @param ids keyed id hashes ({@link RecordIds}) in the order of {@code records}, or null to
   *     recognise records by batch basename and position
   * @param idField the id field, null exactly when {@code ids} is
   * @param previous the previous version's indices
   * @param previousDigest {@code sha256:<hex>} of the previous indices file's bytes
   * @throws SplitException if the previous version was made with other settings (naming each), two
   *     records share an id, or a group's kept records are in two splits
   */
  public static Result plan(
      List<RecordInfo> records,
      long[] ids,
      String idField,
      SplitConfig cfg,
      IndicesFile previous,
      String previousDigest) {
    List<String> differ = settingsDiffer(previous, cfg, idField);
    if (!differ.isEmpty()) {
      throw new SplitException(
          "the previous indices were made with other settings, and an extension must keep them: "
              + String.join("; ", differ));
    }
    int n = records.size();
    if (n == 0) {
      throw new SplitException("no records to split");
    }
    if (n > Planner.MAX_RECORDS) {
      throw new SplitException("too many records for one plan: " + n + " > " + Planner.MAX_RECORDS);
    }
    RecordInfo[] recs = records.toArray(new RecordInfo[0]);
    long[] global = new long[n];
    for (int i = 0; i < n; i++) {
      global[i] = recs[i].globalIndex();
    }
    Planner.checkUniqueGlobalIndices(global, recs);
    long[] rank = Planner.hashAll(recs, SplitHash.RANK, cfg.seed());
    long[] order = Planner.hashAll(recs, SplitHash.ORDER, cfg.seed());
    Planner.checkUniqueIdentities(rank, recs);

    Stratum[] strata =
        Arrays.stream(recs).map(RecordInfo::stratum).distinct().sorted().toArray(Stratum[]::new);
    Map<Stratum, Integer> strataIndex = new HashMap<>();
    for (int s = 0; s < strata.length; s++) {
      strataIndex.put(strata[s], s);
    }
    int[] stratumOf = new int[n];
    long[] perStratum = new long[strata.length];
    for (int i = 0; i < n; i++) {
      stratumOf[i] = strataIndex.get(recs[i].stratum());
      perStratum[stratumOf[i]]++;
    }

    Previous prev = new Previous(previous);
    int[] oldOf =
        ids == null
            ? RecordMatch.byPosition(recs, previous)
            : RecordMatch.byId(recs, ids, previous);
    byte[] splitOf = new byte[n];
    long[][] kept = new long[strata.length][K];
    for (int i = 0; i < n; i++) {
      splitOf[i] = -1;
      if (oldOf[i] >= 0) {
        splitOf[i] = prev.split[oldOf[i]];
        kept[stratumOf[i]][splitOf[i]]++;
      }
    }

    BigInteger[] w = cfg.ratios().weights();
    long[] targets = Planner.quotas(n, w);
    Long groupCount = null;
    if (cfg.groupBy() == null) {
      long[][] counts = roundWithKept(perStratum, kept, w);
      assignNew(stratumOf, rank, global, kept, counts, splitOf);
    } else {
      groupCount =
          GroupExtension.assign(
              recs, cfg.seed(), stratumOf, rank, global, perStratum, w, targets, splitOf);
    }

    long[][] lists = new long[K][];
    for (int k = 0; k < K; k++) {
      lists[k] = PositionFill.list(k, prev, oldOf, splitOf, order, global);
    }
    long[][] achieved = new long[strata.length][K];
    long[][] added = new long[strata.length][K];
    for (int i = 0; i < n; i++) {
      achieved[stratumOf[i]][splitOf[i]]++;
      if (oldOf[i] < 0) {
        added[stratumOf[i]][splitOf[i]]++;
      }
    }
    return finish(
        cfg,
        strata,
        perStratum,
        achieved,
        kept,
        added,
        lists,
        targets,
        groupCount,
        prev,
        oldOf,
        global,
        previousDigest);
  }

  private static Result finish(
      SplitConfig cfg,
      Stratum[] strata,
      long[] perStratum,
      long[][] achieved,
      long[][] kept,
      long[][] added,
      long[][] lists,
      long[] targets,
      Long groupCount,
      Previous prev,
      int[] oldOf,
      long[] global,
      String previousDigest) {
    BigInteger[] w = cfg.ratios().weights();
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    List<StratumStats> stats = new ArrayList<>();
    List<Lineage.StratumChange> changes = new ArrayList<>();
    BigInteger maxOff = BigInteger.ZERO;
    long[] keptTotal = new long[K];
    long[] addedTotal = new long[K];
    for (int s = 0; s < strata.length; s++) {
      double[] share = new double[K];
      BigInteger off = BigInteger.ZERO;
      for (int k = 0; k < K; k++) {
        BigInteger nw = BigInteger.valueOf(perStratum[s]).multiply(w[k]);
        share[k] = Planner.ratio(nw, wsum);
        off = off.max(BigInteger.valueOf(achieved[s][k]).multiply(wsum).subtract(nw).abs());
        keptTotal[k] += kept[s][k];
        addedTotal[k] += added[s][k];
      }
      maxOff = maxOff.max(off);
      stats.add(
          new StratumStats(
              strata[s], perStratum[s], SplitShares.of(share), SplitCounts.of(achieved[s])));
      changes.add(
          new Lineage.StratumChange(
              strata[s].key(),
              SplitCounts.of(kept[s]),
              SplitCounts.of(added[s]),
              Planner.ratio(off, wsum)));
    }
    long[] off = new long[K];
    for (int k = 0; k < K; k++) {
      off[k] = Math.abs(lists[k].length - targets[k]);
    }
    Deviation deviation =
        groupCount == null ? null : new Deviation(SplitCounts.of(off), Planner.ratio(maxOff, wsum));
    Plan plan = new Plan(cfg, lists, SplitCounts.of(targets), stats, groupCount, deviation);
    long[] removed = new long[K];
    boolean[] matched = new boolean[prev.split.length];
    for (int o : oldOf) {
      if (o >= 0) {
        matched[o] = true;
      }
    }
    for (int g = 0; g < matched.length; g++) {
      if (!matched[g] && prev.split[g] >= 0) {
        removed[prev.split[g]]++;
      }
    }
    Lineage lineage =
        new Lineage(
            previousDigest,
            prev.file.plan().recordCount(),
            SplitCounts.of(keptTotal),
            SplitCounts.of(addedTotal),
            SplitCounts.of(removed),
            SplitCounts.of(off),
            changes,
            rewrittenChunks(cfg.chunkSize(), lists, prev, oldOf, global));
    return new Result(plan, lineage, RecordMatch.removedNotes(prev.file, matched));
  }

  /**
   * Per split, the chunks that are new or whose records differ (by identity or position) from the
   * previous version's chunk of the same number.
   */
  static List<List<Integer>> rewrittenChunks(
      int chunkSize, long[][] lists, Previous prev, int[] oldOf, long[] global) {
    long max = -1;
    for (long g : global) {
      max = Math.max(max, g);
    }
    int[] oldOfGlobal = new int[(int) max + 1];
    Arrays.fill(oldOfGlobal, -1);
    for (int i = 0; i < global.length; i++) {
      oldOfGlobal[(int) global[i]] = oldOf[i];
    }
    List<List<Integer>> out = new ArrayList<>();
    for (int k = 0; k < K; k++) {
      long[] before = prev.file.plan().rawIndices(Split.values()[k]);
      long[] after = lists[k];
      List<Integer> changed = new ArrayList<>();
      for (int j = 0; (long) j * chunkSize < after.length; j++) {
        int from = j * chunkSize;
        int to = Math.min(after.length, from + chunkSize);
        boolean same = to <= before.length && Math.min(before.length, from + chunkSize) == to;
        for (int p = from; same && p < to; p++) {
          same = oldOfGlobal[(int) after[p]] == before[p];
        }
        if (!same) {
          changed.add(j);
        }
      }
      out.add(changed);
    }
    return out;
  }

  /** Each setting that differs between the previous indices and this run, in plain words. */
  public static List<String> settingsDiffer(IndicesFile previous, SplitConfig cfg, String idField) {
    List<String> out = new ArrayList<>();
    for (String d : previous.differences(previous.sources(), cfg)) {
      out.add(d.replace("indices have", "previous indices have"));
    }
    String had = previous.ids() == null ? null : previous.ids().field();
    if (!Objects.equals(had, idField)) {
      out.add(
          "id field: previous indices have "
              + (had == null ? "none (records are known by batch file and position)" : had)
              + ", run asks for "
              + (idField == null ? "none" : idField));
    }
    return out;
  }

  /**
   * The per-stratum counts: the shares moved off the splits where kept records exceed them (see the
   * class comment), rounded with controlled rounding. All values are scaled by {@code 6W} so that
   * {@code λ_s}, whose denominator is 1, 2 or 3 times W, is whole.
   */
  static long[][] roundWithKept(long[] perStratum, long[][] kept, BigInteger[] w) {
    int strata = perStratum.length;
    BigInteger wsum = w[0].add(w[1]).add(w[2]);
    BigInteger den = wsum.multiply(BigInteger.valueOf(6));
    BigInteger[][] z = new BigInteger[strata][];
    BigInteger[] column = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
    long all = 0;
    for (int s = 0; s < strata; s++) {
      z[s] = target(perStratum[s], kept[s], w, wsum);
      for (int k = 0; k < K; k++) {
        column[k] = column[k].add(z[s][k]);
      }
      all += perStratum[s];
    }
    long[] totals = new long[K];
    BigInteger[] rem = new BigInteger[K];
    long left = all;
    for (int k = 0; k < K; k++) {
      BigInteger[] qr = column[k].divideAndRemainder(den);
      totals[k] = qr[0].longValueExact();
      rem[k] = qr[1];
      left -= totals[k];
    }
    Integer[] byRem = {0, 1, 2};
    Arrays.sort(byRem, (a, b) -> rem[b].compareTo(rem[a]));
    for (int i = 0; i < left; i++) {
      totals[byRem[i]]++;
    }
    return ControlledRounding.round(z, den, totals);
  }

  /**
   * {@code 6W z_{s,k}}: the Euclidean projection of the exact shares onto the allocations that keep
   * every kept record, i.e. {@code max(a_k, n r_k - λ)}.
   */
  static BigInteger[] target(long n, long[] a, BigInteger[] w, BigInteger wsum) {
    BigInteger six = BigInteger.valueOf(6);
    BigInteger[] z = new BigInteger[K];
    long m = n - a[0] - a[1] - a[2];
    // e_k = W (n r_k - a_k)
    BigInteger[] e = new BigInteger[K];
    for (int k = 0; k < K; k++) {
      e[k] = BigInteger.valueOf(n).multiply(w[k]).subtract(wsum.multiply(BigInteger.valueOf(a[k])));
      z[k] = six.multiply(wsum).multiply(BigInteger.valueOf(a[k]));
    }
    if (m == 0) {
      return z;
    }
    Integer[] byE = {0, 1, 2};
    Arrays.sort(byE, (x, y) -> e[y].compareTo(e[x]));
    BigInteger lambda = null; // 6W λ
    BigInteger sum = BigInteger.ZERO;
    BigInteger wm = wsum.multiply(BigInteger.valueOf(m));
    for (int u = 1; u <= K; u++) {
      sum = sum.add(e[byE[u - 1]]);
      BigInteger l = sum.subtract(wm).multiply(BigInteger.valueOf(6 / u));
      if (e[byE[u - 1]].multiply(six).compareTo(l) > 0) {
        lambda = l;
      }
    }
    for (int k = 0; k < K; k++) {
      BigInteger free = e[k].multiply(six).subtract(lambda);
      if (free.signum() > 0) {
        z[k] = z[k].add(free);
      }
    }
    return z;
  }

  /** Inside each stratum, new records by rank hash: the first x_train to train, then val, test. */
  private static void assignNew(
      int[] stratumOf, long[] rank, long[] global, long[][] kept, long[][] counts, byte[] splitOf) {
    int n = stratumOf.length;
    int strata = counts.length;
    int[] start = new int[strata + 1];
    for (int i = 0; i < n; i++) {
      if (splitOf[i] < 0) {
        start[stratumOf[i] + 1]++;
      }
    }
    for (int s = 0; s < strata; s++) {
      start[s + 1] += start[s];
    }
    int[] ids = new int[start[strata]];
    int[] fill = Arrays.copyOf(start, strata);
    for (int i = 0; i < n; i++) {
      if (splitOf[i] < 0) {
        ids[fill[stratumOf[i]]++] = i;
      }
    }
    int[] buf = new int[ids.length];
    for (int s = 0; s < strata; s++) {
      IntSort.sort(
          ids, start[s], start[s + 1], (a, b) -> Planner.compareHash(rank, global, a, b), buf);
      int p = start[s];
      for (int k = 0; k < K; k++) {
        for (long c = kept[s][k]; c < counts[s][k]; c++) {
          splitOf[ids[p++]] = (byte) k;
        }
      }
    }
  }

  /** The previous version's split and position of each of its global indices (-1 where none). */
  static final class Previous {
    final IndicesFile file;
    final byte[] split;
    final int[] position;

    Previous(IndicesFile file) {
      this.file = file;
      long max = -1;
      for (Split s : Split.values()) {
        for (long g : file.plan().rawIndices(s)) {
          max = Math.max(max, g);
        }
      }
      split = new byte[(int) (max + 1)];
      position = new int[(int) (max + 1)];
      Arrays.fill(split, (byte) -1);
      for (Split s : Split.values()) {
        long[] list = file.plan().rawIndices(s);
        for (int p = 0; p < list.length; p++) {
          split[(int) list[p]] = (byte) s.ordinal();
          position[(int) list[p]] = p;
        }
      }
    }
  }
}
