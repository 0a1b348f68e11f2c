package dev.splitflow.split;

import static dev.splitflow.split.PlanChecks.assertSamePlan;
import static dev.splitflow.split.PlanChecks.checkChunks;
import static dev.splitflow.split.PlanChecks.checkEveryIndexOnce;
import static dev.splitflow.split.PlanChecks.checkOrderRule;
import static dev.splitflow.split.PlanChecks.splitOf;
import static dev.splitflow.split.SplitTestData.RATIOS;
import static dev.splitflow.split.SplitTestData.groupHash;
import static dev.splitflow.split.SplitTestData.largestRemainder;
import static dev.splitflow.split.SplitTestData.stratum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Planner} in group mode: groups never span splits, fixtures computed by hand, group hash
 * order on ties, and the long and BigInteger cost paths agreeing.
 */
class PlannerGroupsTest {

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
}
