package dev.splitflow.split;

import static dev.splitflow.split.SplitRatiosTest.assertMessage;
import static dev.splitflow.split.SplitTestData.RATIOS;
import static dev.splitflow.split.SplitTestData.groupHash;
import static dev.splitflow.split.SplitTestData.largestRemainder;
import static dev.splitflow.split.SplitTestData.orderHash;
import static dev.splitflow.split.SplitTestData.randomSizes;
import static dev.splitflow.split.SplitTestData.rankHash;
import static dev.splitflow.split.SplitTestData.records;
import static dev.splitflow.split.SplitTestData.scaledOff;
import static dev.splitflow.split.SplitTestData.stratum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {

  // ------------------------------------------------------------ properties without groups

  @Test
  void propertiesOverRandomStratumMixes() {
    Random r = new Random(2024);
    for (int t = 0; t < 400; t++) {
      SplitRatios ratios = RATIOS[t % RATIOS.length];
      long seed = r.nextInt(1000) - 500;
      int chunk = 1 + r.nextInt(60);
      List<RecordInfo> recs = records(randomSizes(r), r);
      SplitConfig cfg =
          SplitConfig.defaults().withSeed(seed).withRatios(ratios).withChunkSize(chunk);
      Plan plan = Planner.plan(recs, cfg);
      String where = "case " + t + " " + ratios + " sizes " + plan.strata().size();

      checkTotalsAreLargestRemainderQuotas(plan, recs.size(), ratios, where);
      checkEveryIndexOnce(plan, recs, where);
      checkStrataWithinOneOfShare(plan, recs, ratios, where);
      checkRankRule(plan, recs, seed, where);
      checkOrderRule(plan, recs, seed, where);
      if (t % 4 == 0) {
        checkChunks(plan, where);
      }
      if (t % 8 == 0) {
        List<RecordInfo> shuffled = new ArrayList<>(recs);
        Collections.shuffle(shuffled, r);
        assertSamePlan(plan, Planner.plan(shuffled, cfg), where + " shuffled");
        assertSamePlan(plan, Planner.plan(recs, cfg), where + " again");
      }
    }
  }

  private static void checkTotalsAreLargestRemainderQuotas(
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

  private static void checkEveryIndexOnce(Plan plan, List<RecordInfo> recs, String where) {
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

  private static void checkStrataWithinOneOfShare(
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
  private static void checkRankRule(Plan plan, List<RecordInfo> recs, long seed, String where) {
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
  private static void checkOrderRule(Plan plan, List<RecordInfo> recs, long seed, String where) {
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

  private static void checkChunks(Plan plan, String where) {
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

  // ------------------------------------------------------------ a fixture computed by hand

  /**
   * Ten records, 70/15/15, seed 42: stratum AP with 6 records (shares 4.2/0.9/0.9) and PA with 4
   * (2.8/0.6/0.6). Totals are 7/2/1 (7/1.5/1.5, the last record to val on the tie). By hand: floors
   * AP 4/0/0 and PA 2/0/0; the extras by largest fraction go AP-val .9, AP-test .9, PA-train .8,
   * PA-val .6, so AP gets 4/1/1 and PA 3/1/0. Ranks and orders come from MessageDigest here.
   */
  @Test
  void tinyFixtureMatchesAnIndependentComputation() {
    Stratum ap = Stratum.of(List.of("view_position"), List.of("AP"));
    Stratum pa = Stratum.of(List.of("view_position"), List.of("PA"));
    List<RecordInfo> recs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      recs.add(new RecordInfo(i, "batch_" + (i / 4) + ".pt#" + (i % 4), i % 5 < 3 ? ap : pa, null));
    }
    long seed = 42;
    Map<Stratum, long[]> counts = Map.of(ap, new long[] {4, 1, 1}, pa, new long[] {3, 1, 0});
    List<List<Long>> expected = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (Stratum s : List.of(ap, pa)) {
      List<RecordInfo> members = new ArrayList<>();
      for (RecordInfo r : recs) {
        if (r.stratum().equals(s)) {
          members.add(r);
        }
      }
      members.sort(
          Comparator.<RecordInfo, Long>comparing(
              r -> rankHash(seed, r.identity()), Long::compareUnsigned));
      int p = 0;
      for (int k = 0; k < 3; k++) {
        for (long c = 0; c < counts.get(s)[k]; c++) {
          expected.get(k).add(members.get(p++).globalIndex());
        }
      }
    }
    for (List<Long> list : expected) {
      list.sort(
          Comparator.comparing(
              g -> orderHash(seed, recs.get((int) (long) g).identity()), Long::compareUnsigned));
    }

    Plan plan = Planner.plan(recs, SplitConfig.defaults().withChunkSize(2));
    for (Split s : Split.values()) {
      assertEquals(expected.get(s.ordinal()), plan.indexList(s), s.jsonName());
    }
    assertEquals(new SplitCounts(7, 2, 1), plan.totals());
    assertEquals(new SplitCounts(4, 1, 1), plan.strata().get(0).achieved());
    assertEquals(new SplitCounts(3, 1, 0), plan.strata().get(1).achieved());
    assertEquals(new SplitShares(4.2, 0.9, 0.9), plan.strata().get(0).target());
    assertEquals(4, plan.chunkCount(Split.TRAIN));
    assertEquals(List.of(plan.indexList(Split.TRAIN).get(6)), plan.chunks(Split.TRAIN).get(3));
    assertTrue(plan.deviation().isEmpty());
    assertTrue(plan.groups().isEmpty());
  }

  // ------------------------------------------------------------ tiny strata and edge ratios

  /**
   * Twenty strata of one record at 70/15/15 (totals 14/3/3): every cell's fraction is its ratio, so
   * the greedy hands out train's 14 extras to the first 14 strata in key order, val's 3 to the next
   * 3 and test's 3 to the last 3. This is the documented tiny-strata rule.
   */
  @Test
  void singleRecordStrataFollowTheDocumentedRule() {
    List<RecordInfo> recs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      recs.add(
          new RecordInfo(
              i, "b.pt#" + i, Stratum.of(List.of("v"), List.of(String.format("s%02d", i))), null));
    }
    Plan plan = Planner.plan(recs, SplitConfig.defaults());
    Map<Long, Split> splitOf = splitOf(plan);
    for (int i = 0; i < 20; i++) {
      Split expected = i < 14 ? Split.TRAIN : i < 17 ? Split.VAL : Split.TEST;
      assertEquals(expected, splitOf.get((long) i), "stratum s" + i);
    }
  }

  @Test
  void tinyStrataNeverFailAndNeverGoToAZeroRatioSplit() {
    Random r = new Random(5);
    for (int t = 0; t < 300; t++) {
      int[] sizes = new int[1 + r.nextInt(30)];
      for (int i = 0; i < sizes.length; i++) {
        sizes[i] = 1 + r.nextInt(3);
      }
      SplitRatios ratios = RATIOS[t % RATIOS.length];
      Plan plan = Planner.plan(records(sizes, r), SplitConfig.defaults().withRatios(ratios));
      for (StratumStats st : plan.strata()) {
        for (Split s : Split.values()) {
          if (ratios.get(s) == 0) {
            assertEquals(0, st.achieved().get(s));
          }
        }
      }
    }
  }

  @Test
  void allToTrainAndEmptySplits() {
    Random r = new Random(1);
    List<RecordInfo> recs = records(new int[] {5, 1, 7}, r);
    Plan all = Planner.plan(recs, SplitConfig.defaults().withRatios(new SplitRatios(1, 0, 0)));
    assertEquals(new SplitCounts(13, 0, 0), all.totals());
    assertEquals(List.of(), all.chunks(Split.VAL));
    assertEquals(0, all.chunkCount(Split.TEST));
    Plan half = Planner.plan(recs, SplitConfig.defaults().withRatios(new SplitRatios(0.5, 0.5, 0)));
    assertEquals(new SplitCounts(7, 6, 0), half.totals()); // 6.5/6.5: the tie goes to train
  }

  /** Ratios whose decimals need more than 62 bits of weight exercise the BigInteger paths. */
  @Test
  void ratiosWithLongDecimals() {
    Random r = new Random(8);
    SplitRatios odd = new SplitRatios(0.5, 0.49999999999999994, 1e-20);
    for (int t = 0; t < 20; t++) {
      List<RecordInfo> recs = records(randomSizes(r), r);
      Plan plan = Planner.plan(recs, SplitConfig.defaults().withRatios(odd));
      assertEquals(0, plan.totals().test()); // 1e-20 of fewer than 10^20 records rounds to 0
      checkTotalsAreLargestRemainderQuotas(plan, recs.size(), odd, "odd " + t);
      checkStrataWithinOneOfShare(plan, recs, odd, "odd " + t);
    }
  }

  // ------------------------------------------------------------ errors

  @Test
  void errors() {
    assertMessage("no records to split", () -> Planner.plan(List.of(), SplitConfig.defaults()));
    Stratum s = stratum(0);
    assertMessage(
        "global index 3 is given to more than one record: [a.pt#0, a.pt#1]",
        () ->
            Planner.plan(
                List.of(new RecordInfo(3, "a.pt#0", s, null), new RecordInfo(3, "a.pt#1", s, null)),
                SplitConfig.defaults()));
    assertMessage(
        "record identity 'batch_1.pt#0' is used by global indices 0 and 9: do two batch files have"
            + " the same name?",
        () ->
            Planner.plan(
                List.of(
                    new RecordInfo(0, "batch_1.pt#0", s, null),
                    new RecordInfo(4, "batch_1.pt#1", s, null),
                    new RecordInfo(9, "batch_1.pt#0", stratum(1), null)),
                SplitConfig.defaults()));
  }

  // ------------------------------------------------------------ group mode

  @Test
  void groupsNeverSpanSplits() {
    Random r = new Random(77);
    for (int t = 0; t < 150; t++) {
      SplitRatios ratios = RATIOS[t % RATIOS.length];
      List<RecordInfo> recs = groupedRecords(r, 1 + r.nextInt(400));
      SplitConfig cfg =
          SplitConfig.defaults().withRatios(ratios).withGroupBy("subject_id").withSeed(t);
      Plan plan = Planner.plan(recs, cfg);
      String where = "case " + t + " " + ratios;
      checkEveryIndexOnce(plan, recs, where);
      Map<Long, Split> splitOf = splitOf(plan);
      Map<String, Split> groupSplit = new HashMap<>();
      Set<String> groups = new HashSet<>();
      for (RecordInfo rec : recs) {
        Split s = splitOf.get(rec.globalIndex());
        groups.add(rec.group() == null ? "#" + rec.identity() : rec.group());
        if (rec.group() != null) {
          Split before = groupSplit.putIfAbsent(rec.group(), s);
          assertTrue(before == null || before == s, () -> where + ": group " + rec.group());
        }
        assertTrue(ratios.get(s) > 0, () -> where + ": a record in a split with ratio 0");
      }
      assertEquals(groups.size(), plan.groups().getAsLong(), where);
      checkOrderRule(plan, recs, t, where);
      checkChunks(plan, where);
      checkDeviationReport(plan, recs, ratios, where);
      if (t % 10 == 0) {
        List<RecordInfo> shuffled = new ArrayList<>(recs);
        Collections.shuffle(shuffled, r);
        assertSamePlan(plan, Planner.plan(shuffled, cfg), where + " shuffled");
      }
    }
  }

  /** Groups of 1 to 5 records, some records with a None group, strata mixed inside groups. */
  static List<RecordInfo> groupedRecords(Random r, int groups) {
    List<RecordInfo> recs = new ArrayList<>();
    int i = 0;
    for (int g = 0; g < groups; g++) {
      int size = 1 + r.nextInt(5);
      boolean none = r.nextInt(8) == 0;
      int home = r.nextInt(6);
      for (int j = 0; j < size; j++, i++) {
        int s = r.nextInt(4) == 0 ? r.nextInt(6) : home;
        recs.add(new RecordInfo(i, SplitTestData.identity(i), stratum(s), none ? null : "p" + g));
      }
    }
    Collections.shuffle(recs, r);
    return recs;
  }

  private static void checkDeviationReport(
      Plan plan, List<RecordInfo> recs, SplitRatios ratios, String where) {
    Deviation d = plan.deviation().orElseThrow();
    long[] targets = largestRemainder(recs.size(), ratios);
    assertArrayEquals(targets, plan.targets().toArray(), where);
    for (Split s : Split.values()) {
      assertEquals(
          Math.abs(plan.totals().get(s) - targets[s.ordinal()]), d.totalOff().get(s), where);
    }
    double max = 0;
    for (StratumStats st : plan.strata()) {
      for (Split s : Split.values()) {
        max = Math.max(max, Math.abs(st.achieved().get(s) - st.count() * ratios.get(s)));
      }
    }
    assertEquals(max, d.maxStratumOff(), 1e-9, where);
  }

  /**
   * One stratum, groups of 4, 3, 2 and 1 at 70/15/15 (targets 7/2/1, shares 7/1.5/1.5). By hand,
   * the increase of sum (t-T)^2 + (c-share)^2 per split: group of 4: train -80, val 4, test 12;
   * group of 3: train -18, val -3, test 3; group of 2: train 8, val -6, test -2; group of 1: train
   * 2, val 3, test -3.
   */
  @Test
  void groupFixtureComputedByHand() {
    Stratum s = stratum(0);
    List<RecordInfo> recs = new ArrayList<>();
    String[] groupOf = {"g4", "g4", "g4", "g4", "g3", "g3", "g3", "g2", "g2", "g1"};
    for (int i = 0; i < groupOf.length; i++) {
      recs.add(new RecordInfo(i, "b.pt#" + i, s, groupOf[i]));
    }
    Plan plan = Planner.plan(recs, SplitConfig.defaults().withGroupBy("subject_id"));
    Map<Long, Split> splitOf = splitOf(plan);
    Map<String, Split> expected =
        Map.of("g4", Split.TRAIN, "g3", Split.TRAIN, "g2", Split.VAL, "g1", Split.TEST);
    for (RecordInfo r : recs) {
      assertEquals(expected.get(r.group()), splitOf.get(r.globalIndex()), r.toString());
    }
    assertEquals(new SplitCounts(7, 2, 1), plan.totals());
    assertEquals(new Deviation(new SplitCounts(0, 0, 0), 0.5), plan.deviation().orElseThrow());
    assertEquals(4, plan.groups().getAsLong());
  }

  /** Two groups of one at 50/50: equal increases, so the first group (lower hash) takes train. */
  @Test
  void equalGroupsGoInGroupHashOrder() {
    for (long seed = 0; seed < 6; seed++) {
      List<RecordInfo> recs =
          List.of(
              new RecordInfo(0, "b.pt#0", stratum(0), "alice"),
              new RecordInfo(1, "b.pt#1", stratum(0), "bob"));
      SplitConfig cfg =
          SplitConfig.defaults()
              .withSeed(seed)
              .withRatios(new SplitRatios(0.5, 0.5, 0))
              .withGroupBy("subject_id");
      Plan plan = Planner.plan(recs, cfg);
      boolean aliceFirst =
          Long.compareUnsigned(groupHash(seed, "alice"), groupHash(seed, "bob")) < 0;
      assertArrayEquals(new long[] {aliceFirst ? 0 : 1}, plan.indices(Split.TRAIN), "seed " + seed);
      assertArrayEquals(new long[] {aliceFirst ? 1 : 0}, plan.indices(Split.VAL), "seed " + seed);
    }
  }

  @Test
  void longAndBigIntegerGroupCostsAgree() {
    Random r = new Random(31);
    try {
      for (int t = 0; t < 40; t++) {
        List<RecordInfo> recs = groupedRecords(r, 50 + r.nextInt(300));
        SplitConfig cfg =
            SplitConfig.defaults()
                .withRatios(RATIOS[t % RATIOS.length])
                .withGroupBy("g")
                .withSeed(t);
        Planner.forceBigIntegerCosts = false;
        Plan fast = Planner.plan(recs, cfg);
        Planner.forceBigIntegerCosts = true;
        assertSamePlan(fast, Planner.plan(recs, cfg), "case " + t);
      }
    } finally {
      Planner.forceBigIntegerCosts = false;
    }
    SplitRatios wide = new SplitRatios(0.123456789012345, 0.3, 0.576543210987655);
    assertFalse(Planner.fitsInLong(wide.weights(), 100));
    Plan plan =
        Planner.plan(
            groupedRecords(r, 100), SplitConfig.defaults().withRatios(wide).withGroupBy("g"));
    assertTrue(plan.deviation().isPresent());
  }

  // ------------------------------------------------------------ scale

  /** 200,000 records in 6 strata, with and without groups; only checks the result, not time. */
  @Test
  void twoHundredThousandRecords() {
    int n = 200_000;
    Random r = new Random(9);
    List<RecordInfo> recs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      recs.add(
          new RecordInfo(
              i,
              "batch_" + (i / 1024) + ".pt#" + (i % 1024),
              stratum(r.nextInt(6)),
              r.nextInt(10) == 0 ? null : "s" + (i / 3)));
    }
    Plan plan = Planner.plan(recs, SplitConfig.defaults());
    assertEquals(new SplitCounts(140_000, 30_000, 30_000), plan.totals());
    assertEquals(2800, plan.chunkCount(Split.TRAIN));
    Plan grouped = Planner.plan(recs, SplitConfig.defaults().withGroupBy("subject_id"));
    assertEquals(n, grouped.recordCount());
    for (Split s : Split.values()) {
      assertTrue(grouped.deviation().orElseThrow().totalOff().get(s) <= 3, grouped.toString());
    }
  }
}
