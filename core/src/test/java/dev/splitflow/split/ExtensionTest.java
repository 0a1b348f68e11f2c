package dev.splitflow.split;

import static dev.splitflow.split.GrowingDatasets.first;
import static dev.splitflow.split.GrowingDatasets.grow;
import static dev.splitflow.split.GrowingDatasets.keyOf;
import static dev.splitflow.split.SplitTestData.RATIOS;
import static dev.splitflow.split.SplitTestData.decimals;
import static dev.splitflow.split.SplitTestData.largestRemainder;
import static dev.splitflow.split.SplitTestData.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.split.GrowingDatasets.Dataset;
import dev.splitflow.split.GrowingDatasets.Rec;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Property tests of {@link Extension} over random datasets and growth patterns ({@link
 * GrowingDatasets}): new batch files (also ones that sort before the old files), appended records,
 * new strata, new groups, removed and shortened files, and (with ids) records moved between files.
 * Expectations are computed here from the records, never by the code under test. Worked examples
 * and refusals are in {@link ExtensionExamplesTest}.
 */
class ExtensionTest {

  // ------------------------------------------------------------ the properties

  @Test
  void recordLevelGrowth() {
    run(false, false, 400, 11);
  }

  @Test
  void recordLevelGrowthKnownById() {
    run(false, true, 200, 12);
  }

  @Test
  void groupGrowth() {
    run(true, false, 250, 13);
  }

  @Test
  void groupGrowthKnownById() {
    run(true, true, 150, 14);
  }

  private static void run(boolean grouped, boolean byId, int cases, long seed) {
    Random r = new Random(seed);
    for (int t = 0; t < cases; t++) {
      SplitRatios ratios = RATIOS[t % RATIOS.length];
      SplitConfig cfg =
          SplitConfig.defaults()
              .withRatios(ratios)
              .withSeed(t - 20)
              .withChunkSize(1 + r.nextInt(7))
              .withGroupBy(grouped ? "subject_id" : null);
      String idField = byId ? "dicom_id" : null;
      Dataset v1 = first(r, grouped);
      v1.number(idField, cfg.seed());
      IndicesFile f1 = IndicesFile.of(Planner.plan(v1.infos, cfg), v1.sources());
      if (byId) {
        f1 = f1.withIds(new IndicesFile.IdHashes(idField, v1.ids));
      }
      String json1 = f1.toJson();
      IndicesFile prev = IndicesFile.parse(json1, "v1.json");
      String digest = IndicesFile.digest(json1.getBytes(StandardCharsets.UTF_8));

      Dataset v2 = grow(v1, r, grouped, byId);
      v2.number(idField, cfg.seed());
      Extension.Result res = Extension.plan(v2.infos, v2.ids, idField, cfg, prev, digest);
      String where = "case " + t + " " + ratios + " grouped=" + grouped + " byId=" + byId;
      check(v1, f1, v2, res, cfg, byId, where);

      // Input order does not matter.
      if (t % 10 == 0) {
        List<RecordInfo> shuffled = new ArrayList<>(v2.infos);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < shuffled.size(); i++) {
          perm.add(i);
        }
        Collections.shuffle(perm, r);
        long[] ids = v2.ids == null ? null : new long[perm.size()];
        List<RecordInfo> reordered = new ArrayList<>();
        for (int i = 0; i < perm.size(); i++) {
          reordered.add(shuffled.get(perm.get(i)));
          if (ids != null) {
            ids[i] = v2.ids[perm.get(i)];
          }
        }
        Extension.Result again = Extension.plan(reordered, ids, idField, cfg, prev, digest);
        PlanChecks.assertSamePlan(res.plan(), again.plan(), where + " shuffled");
      }
      // The new file round-trips, lineage and ids included.
      IndicesFile f2 = IndicesFile.of(res.plan(), v2.sources()).withLineage(res.lineage());
      if (byId) {
        f2 = f2.withIds(new IndicesFile.IdHashes(idField, v2.ids));
      }
      IndicesFile back = IndicesFile.parse(f2.toJson(), "v2.json");
      assertEquals(f2.toJson(), back.toJson(), where);
      assertEquals(res.lineage(), back.lineage(), where);
    }
  }

  private static void check(
      Dataset v1,
      IndicesFile f1,
      Dataset v2,
      Extension.Result res,
      SplitConfig cfg,
      boolean byId,
      String where) {
    Plan plan = res.plan();
    int n = v2.infos.size();
    // Every record exactly once.
    Set<Long> seen = new HashSet<>();
    for (Split s : Split.values()) {
      for (long g : plan.indices(s)) {
        assertTrue(g >= 0 && g < n && seen.add(g), where + ": index " + g);
      }
    }
    assertEquals(n, seen.size(), where);

    // No old record moves: same split, and (with no removals in the split) the same position.
    Plan p1 = f1.plan();
    long[] removed = new long[3];
    long[] kept = new long[3];
    Map<Long, Long> oldToNew = new HashMap<>();
    for (Map.Entry<String, List<Rec>> e : v1.files.entrySet()) {
      for (int p = 0; p < e.getValue().size(); p++) {
        String key = keyOf(v1, e.getKey(), p, e.getValue().get(p), byId);
        long g1 = v1.globalOfKey.get(key);
        Placement was = p1.placement(g1).orElseThrow();
        Long g2 = v2.globalOfKey.get(key);
        if (g2 == null) {
          removed[was.split().ordinal()]++;
          continue;
        }
        kept[was.split().ordinal()]++;
        oldToNew.put(g1, g2);
        Placement now = plan.placement(g2).orElseThrow();
        assertEquals(was.split(), now.split(), where + ": old record " + key + " moved");
      }
    }
    assertEquals(SplitCounts.of(removed), res.lineage().removed(), where);
    assertEquals(SplitCounts.of(kept), res.lineage().kept(), where);
    for (Split s : Split.values()) {
      long[] before = p1.indices(s);
      long[] after = plan.indices(s);
      int moved = 0;
      for (int pos = 0; pos < before.length; pos++) {
        Long g2 = oldToNew.get(before[pos]);
        if (g2 != null && (pos >= after.length || after[pos] != g2)) {
          moved++;
        }
      }
      assertTrue(
          moved <= removed[s.ordinal()],
          where
              + ": "
              + moved
              + " kept records of "
              + s
              + " changed place, "
              + removed[s.ordinal()]
              + " removed");
      assertEquals(
          after.length,
          kept[s.ordinal()] + res.lineage().added().get(s),
          where + ": kept + added = total in " + s);
      // A chunk not listed as rewritten holds the same records, in the same order, as before.
      int size = cfg.chunkSize();
      List<Integer> rewritten = res.lineage().rewritten(s);
      int sameChunks = 0;
      for (int j = 0; (long) j * size < after.length; j++) {
        int from = j * size;
        int to = Math.min(after.length, from + size);
        boolean same = to <= before.length && Math.min(before.length, from + size) == to;
        for (int q = from; same && q < to; q++) {
          same = Long.valueOf(after[q]).equals(oldToNew.get(before[q]));
        }
        assertEquals(!same, rewritten.contains(j), where + ": " + s + " chunk " + j);
        sameChunks += same ? 1 : 0;
      }
      if (removed[s.ordinal()] == 0) {
        // Without removals only the last partial chunk and new chunks change.
        assertTrue(sameChunks >= before.length / size, where + ": " + s + " kept chunks");
      }
    }

    if (cfg.groupBy() == null) {
      checkStrata(v2, plan, cfg.ratios(), oldToNew, where);
    } else {
      checkGroups(v1, v2, plan, oldToNew, byId, where);
    }
    assertNotNull(res.lineage().previousDigest());
  }

  /**
   * Each stratum: never worse than the best integer allocation that keeps every kept record, plus
   * less than one; exactly within one of its share whenever no kept count exceeds its share. Each
   * total: exactly the quota when no stratum's kept records exceed a share, else within the
   * documented bound {@code 1 + sum_s E_s}.
   */
  private static void checkStrata(
      Dataset v2, Plan plan, SplitRatios ratios, Map<Long, Long> oldToNew, String where) {
    BigDecimal[] d = decimals(ratios);
    BigDecimal dsum = sum(d);
    Map<Stratum, long[]> a = new HashMap<>();
    Map<Stratum, long[]> c = new HashMap<>();
    Set<Long> keptNew = new HashSet<>(oldToNew.values());
    for (RecordInfo ri : v2.infos) {
      Split s = plan.placement(ri.globalIndex()).orElseThrow().split();
      c.computeIfAbsent(ri.stratum(), x -> new long[3])[s.ordinal()]++;
      if (keptNew.contains(ri.globalIndex())) {
        a.computeIfAbsent(ri.stratum(), x -> new long[3])[s.ordinal()]++;
      }
    }
    double excessSum = 0;
    for (Map.Entry<Stratum, long[]> e : c.entrySet()) {
      long[] cs = e.getValue();
      long[] as = a.getOrDefault(e.getKey(), new long[3]);
      long ns = cs[0] + cs[1] + cs[2];
      double[] share = new double[3];
      double excess = 0;
      for (int k = 0; k < 3; k++) {
        share[k] =
            BigDecimal.valueOf(ns)
                .multiply(d[k])
                .divide(dsum, MathContext.DECIMAL128)
                .doubleValue();
        excess += Math.max(0, as[k] - share[k]);
        assertTrue(cs[k] >= as[k], where);
        assertTrue(ratios.get(Split.values()[k]) > 0 || cs[k] == 0, where + ": ratio 0 split");
      }
      excessSum += excess;
      double mine = maxOff(cs, share);
      String at =
          where
              + " stratum "
              + e.getKey().key()
              + " kept "
              + Arrays.toString(as)
              + " got "
              + Arrays.toString(cs);
      if (excess == 0) {
        assertTrue(mine < 1, at + ": not within one of " + Arrays.toString(share));
      }
      double best = bestOff(ns, as, share);
      assertTrue(mine < best + 1 + 1e-9, at + ": off " + mine + ", best " + best);
    }
    long n = v2.infos.size();
    long[] quota = largestRemainder(n, ratios);
    for (Split s : Split.values()) {
      long total = plan.indices(s).length;
      if (excessSum == 0) {
        assertEquals(quota[s.ordinal()], total, where + ": total of " + s);
      }
      double exact =
          BigDecimal.valueOf(n)
              .multiply(d[s.ordinal()])
              .divide(dsum, MathContext.DECIMAL128)
              .doubleValue();
      assertTrue(
          Math.abs(total - exact) < 1 + excessSum + 1e-9,
          where + ": total of " + s + " " + total + " vs " + exact + ", bound 1 + " + excessSum);
    }
  }

  private static double maxOff(long[] c, double[] share) {
    double m = 0;
    for (int k = 0; k < 3; k++) {
      m = Math.max(m, Math.abs(c[k] - share[k]));
    }
    return m;
  }

  /** The smallest max deviation of any whole allocation of n with c_k >= a_k, by brute force. */
  private static double bestOff(long n, long[] a, double[] share) {
    double best = Double.MAX_VALUE;
    for (long c0 = a[0]; c0 <= n - a[1] - a[2]; c0++) {
      for (long c1 = a[1]; c1 <= n - c0 - a[2]; c1++) {
        best = Math.min(best, maxOff(new long[] {c0, c1, n - c0 - c1}, share));
      }
    }
    return best;
  }

  private static void checkGroups(
      Dataset v1, Dataset v2, Plan plan, Map<Long, Long> oldToNew, boolean byId, String where) {
    Map<String, Split> groupSplit = new HashMap<>();
    for (RecordInfo ri : v2.infos) {
      Split s = plan.placement(ri.globalIndex()).orElseThrow().split();
      if (ri.group() != null) {
        Split before = groupSplit.putIfAbsent(ri.group(), s);
        assertTrue(
            before == null || before == s, where + ": group " + ri.group() + " in two splits");
      }
    }
    assertTrue(plan.groups().isPresent() && plan.deviation().isPresent(), where);
  }
}
