package dev.splitflow.split;

import static dev.splitflow.split.PlanChecks.assertSamePlan;
import static dev.splitflow.split.PlanChecks.checkChunks;
import static dev.splitflow.split.PlanChecks.checkEveryIndexOnce;
import static dev.splitflow.split.PlanChecks.checkOrderRule;
import static dev.splitflow.split.PlanChecks.checkRankRule;
import static dev.splitflow.split.PlanChecks.checkStrataWithinOneOfShare;
import static dev.splitflow.split.PlanChecks.checkTotalsAreLargestRemainderQuotas;
import static dev.splitflow.split.PlanChecks.splitOf;
import static dev.splitflow.split.SplitRatiosTest.assertMessage;
import static dev.splitflow.split.SplitTestData.RATIOS;
import static dev.splitflow.split.SplitTestData.orderHash;
import static dev.splitflow.split.SplitTestData.randomSizes;
import static dev.splitflow.split.SplitTestData.rankHash;
import static dev.splitflow.split.SplitTestData.records;
import static dev.splitflow.split.SplitTestData.stratum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Planner} without groups: properties over random stratum mixes, fixtures computed by hand
 * or independently, edge ratios and refusals, and a 200,000-record plan. Group mode is in {@link
 * PlannerGroupsTest}; the checks both use are {@link PlanChecks}.
 */
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
