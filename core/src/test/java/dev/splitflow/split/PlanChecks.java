package dev.splitflow.split;

import static dev.splitflow.split.SplitTestData.largestRemainder;
import static dev.splitflow.split.SplitTestData.orderHash;
import static dev.splitflow.split.SplitTestData.rankHash;
import static dev.splitflow.split.SplitTestData.scaledOff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks of a {@link Plan} against rules computed here from the records, never by the planner: the
 * totals, each index once, strata within one record of their share, the rank and order hash rules,
 * the chunks. Shared by {@link PlannerTest} and {@link PlannerGroupsTest}.
 */
final class PlanChecks {
  private PlanChecks() {}

  static void checkTotalsAreLargestRemainderQuotas(
      Plan plan, int n, SplitRatios ratios, String where) {
    long[] expected = largestRemainder(n, ratios);
    assertArrayEquals(expected, plan.totals().toArray(), where);
    assertArrayEquals(expected, plan.targets().toArray(), where);
    assertEquals(n, plan.recordCount(), where);
    for (Split s : Split.values()) {
      if (ratios.get(s) == 0) {
        assertEquals(0, plan.totals().get(s), where);
      }
    }
  }

  static void checkEveryIndexOnce(Plan plan, List<RecordInfo> recs, String where) {
    Set<Long> expected = new HashSet<>();
    for (RecordInfo r : recs) {
      expected.add(r.globalIndex());
    }
    Set<Long> seen = new HashSet<>();
    for (Split s : Split.values()) {
      for (long g : plan.indices(s)) {
        assertTrue(seen.add(g), () -> where + ": " + g + " twice");
      }
    }
    assertEquals(expected, seen, where);
  }

  static void checkStrataWithinOneOfShare(
      Plan plan, List<RecordInfo> recs, SplitRatios ratios, String where) {
    Map<Long, Split> splitOf = splitOf(plan);
    Map<Stratum, long[]> counted = new HashMap<>();
    Map<Stratum, Long> sizes = new HashMap<>();
    for (RecordInfo r : recs) {
      counted
          .computeIfAbsent(r.stratum(), s -> new long[3])[splitOf.get(r.globalIndex()).ordinal()]++;
      sizes.merge(r.stratum(), 1L, Long::sum);
    }
    BigDecimal total = SplitTestData.sum(SplitTestData.decimals(ratios));
    long[] columns = new long[3];
    List<Stratum> order = new ArrayList<>();
    for (StratumStats st : plan.strata()) {
      order.add(st.stratum());
      long n = sizes.get(st.stratum());
      assertEquals(n, st.count(), where);
      assertArrayEquals(counted.get(st.stratum()), st.achieved().toArray(), where);
      for (int k = 0; k < 3; k++) {
        long c = st.achieved().toArray()[k];
        BigDecimal off = scaledOff(c, n, ratios, k);
        // |c - share| < 1, and c is never above the share when the share is whole.
        int split = k;
        assertTrue(off.abs().compareTo(total) < 0, () -> where + " " + st + " split " + split);
        assertTrue(off.signum() <= 0 || scaledOff(c - 1, n, ratios, k).signum() < 0, where);
        columns[k] += c;
        assertEquals(
            n * ratios.get(Split.values()[k]),
            st.target().get(Split.values()[k]),
            1e-9 * n + 1e-12);
      }
    }
    assertArrayEquals(plan.totals().toArray(), columns, where);
    List<Stratum> sorted = new ArrayList<>(order);
    Collections.sort(sorted);
    assertEquals(sorted, order, where + ": strata in key order");
  }

  /** Inside each stratum, train holds the lowest rank hashes, then val, then test. */
  static void checkRankRule(Plan plan, List<RecordInfo> recs, long seed, String where) {
    Map<Long, Split> splitOf = splitOf(plan);
    Map<Stratum, List<RecordInfo>> byStratum = new HashMap<>();
    for (RecordInfo r : recs) {
      byStratum.computeIfAbsent(r.stratum(), s -> new ArrayList<>()).add(r);
    }
    Map<String, Long> rank = new HashMap<>();
    for (RecordInfo r : recs) {
      rank.put(r.identity(), rankHash(seed, r.identity()));
    }
    for (List<RecordInfo> members : byStratum.values()) {
      members.sort(
          Comparator.<RecordInfo, Long>comparing(r -> rank.get(r.identity()), Long::compareUnsigned)
              .thenComparingLong(RecordInfo::globalIndex));
      int last = 0;
      for (RecordInfo r : members) {
        int k = splitOf.get(r.globalIndex()).ordinal();
        assertTrue(k >= last, () -> where + ": " + r + " out of rank order");
        last = k;
      }
    }
  }

  /** Each split's list is ordered by the order hash, ties by global index. */
  static void checkOrderRule(Plan plan, List<RecordInfo> recs, long seed, String where) {
    Map<Long, String> identity = new HashMap<>();
    for (RecordInfo r : recs) {
      identity.put(r.globalIndex(), r.identity());
    }
    for (Split s : Split.values()) {
      List<Long> expected = new ArrayList<>(plan.indexList(s));
      expected.sort(
          Comparator.<Long, Long>comparing(
                  g -> orderHash(seed, identity.get(g)), Long::compareUnsigned)
              .thenComparing(g -> g));
      assertEquals(expected, plan.indexList(s), where);
    }
  }

  static void checkChunks(Plan plan, String where) {
    int c = plan.config().chunkSize();
    for (Split s : Split.values()) {
      List<List<Long>> chunks = plan.chunks(s);
      assertEquals(plan.chunkCount(s), chunks.size());
      List<Long> joined = new ArrayList<>();
      for (int j = 0; j < chunks.size(); j++) {
        List<Long> chunk = chunks.get(j);
        assertTrue(chunk.size() == c || (j == chunks.size() - 1 && chunk.size() >= 1), where);
        for (int o = 0; o < chunk.size(); o++) {
          assertEquals(Optional.of(new Placement(s, j, o)), plan.placement(chunk.get(o)), where);
        }
        joined.addAll(chunk);
      }
      assertEquals(plan.indexList(s), joined, where);
    }
  }

  static Map<Long, Split> splitOf(Plan plan) {
    Map<Long, Split> m = new HashMap<>();
    for (Split s : Split.values()) {
      for (long g : plan.indices(s)) {
        m.put(g, s);
      }
    }
    return m;
  }

  static void assertSamePlan(Plan a, Plan b, String where) {
    for (Split s : Split.values()) {
      assertArrayEquals(a.indices(s), b.indices(s), where + " " + s);
    }
    assertEquals(a.strata(), b.strata(), where);
    assertEquals(a.deviation(), b.deviation(), where);
    assertEquals(a.groups(), b.groups(), where);
  }
}
