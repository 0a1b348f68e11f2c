package dev.splitflow.split;

import static dev.splitflow.split.SplitTestData.RATIOS;
import static dev.splitflow.split.SplitTestData.decimals;
import static dev.splitflow.split.SplitTestData.largestRemainder;
import static dev.splitflow.split.SplitTestData.stratum;
import static dev.splitflow.split.SplitTestData.sum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Property tests of {@link Extension} over random datasets and growth patterns: new batch files
 * (also ones that sort before the old files), appended records, new strata, new groups, removed and
 * shortened files, and (with ids) records moved between files. Expectations are computed here from
 * the records, never by the code under test.
 */
class ExtensionTest {

  /** One record of a synthetic dataset: stratum number, group (null: own group) and id value. */
  record Rec(int stratum, String group, String id) {}

  /** A dataset version: batch file name to its records in file order. */
  static final class Dataset {
    final Map<String, List<Rec>> files = new LinkedHashMap<>();
    List<RecordInfo> infos;
    long[] ids;
    Map<String, Long> globalOfKey = new HashMap<>(); // "file#pos" or "id:" + id -> global index

    Dataset copy() {
      Dataset d = new Dataset();
      files.forEach((f, rs) -> d.files.put(f, new ArrayList<>(rs)));
      return d;
    }

    /** Numbers the records in BatchOrder order; record keys by identity or by id. */
    void number(String idField, long seed) {
      infos = new ArrayList<>();
      List<Long> hashes = new ArrayList<>();
      globalOfKey = new HashMap<>();
      RecordIds rid = idField == null ? null : new RecordIds(idField, seed);
      long g = 0;
      for (String f : BatchOrder.sort(new ArrayList<>(files.keySet()))) {
        List<Rec> rs = files.get(f);
        for (int p = 0; p < rs.size(); p++, g++) {
          Rec r = rs.get(p);
          infos.add(new RecordInfo(g, f + "#" + p, stratum(r.stratum), r.group));
          globalOfKey.put(idField == null ? f + "#" + p : "id:" + r.id, g);
          if (rid != null) {
            hashes.add(rid.hash(r.id));
          }
        }
      }
      ids = rid == null ? null : hashes.stream().mapToLong(Long::longValue).toArray();
    }

    List<SourceFile> sources() {
      List<SourceFile> out = new ArrayList<>();
      long g = 0;
      for (String f : BatchOrder.sort(new ArrayList<>(files.keySet()))) {
        int n = files.get(f).size();
        out.add(new SourceFile(f, "/data/" + f, n, 1000 + n, null, g));
        g += n;
      }
      return out;
    }
  }

  private static int nextId = 0;

  static Rec rec(Random r, int strata, int groups, boolean grouped) {
    String group = grouped && r.nextInt(8) != 0 ? "p" + r.nextInt(groups) : null;
    return new Rec(r.nextInt(strata), group, "dicom-" + (nextId++));
  }

  static Dataset first(Random r, boolean grouped) {
    Dataset d = new Dataset();
    int strata = 1 + r.nextInt(6);
    int groups = 1 + r.nextInt(60);
    int files = 1 + r.nextInt(6);
    for (int f = 1; f <= files; f++) {
      List<Rec> rs = new ArrayList<>();
      int n = r.nextInt(10) == 0 ? 1 + r.nextInt(3) : 1 + r.nextInt(120);
      for (int i = 0; i < n; i++) {
        rs.add(rec(r, strata, groups, grouped));
      }
      d.files.put("batch_" + f + ".pt", rs);
    }
    return d;
  }

  /** A random mix of growth patterns; {@code moves} only where records are known by id. */
  static Dataset grow(Dataset v1, Random r, boolean grouped, boolean moves) {
    Dataset d = v1.copy();
    int strata = 1 + r.nextInt(9); // may add new strata
    int groups = 1 + r.nextInt(90); // may add new groups and records of old ones
    List<String> names = new ArrayList<>(d.files.keySet());
    if (r.nextBoolean()) { // new batch files, some sorting before the old ones
      int add = 1 + r.nextInt(3);
      for (int i = 0; i < add; i++) {
        String name =
            r.nextBoolean() ? "batch_" + (100 + r.nextInt(900)) + ".pt" : "batch_0_" + i + ".pt";
        List<Rec> rs = new ArrayList<>();
        int n = 1 + r.nextInt(r.nextBoolean() ? 10 : 150);
        for (int j = 0; j < n; j++) {
          rs.add(rec(r, strata, groups, grouped));
        }
        d.files.putIfAbsent(name, rs);
      }
    }
    if (r.nextBoolean()) { // appended records
      for (String f : names) {
        if (r.nextBoolean()) {
          int n = 1 + r.nextInt(40);
          for (int j = 0; j < n; j++) {
            d.files.get(f).add(rec(r, strata, groups, grouped));
          }
        }
      }
    }
    if (r.nextInt(4) == 0 && names.size() > 1) { // a removed file
      d.files.remove(names.get(r.nextInt(names.size())));
    }
    if (r.nextInt(4) == 0) { // a shortened file
      List<Rec> rs = d.files.get(names.get(r.nextInt(names.size())));
      if (rs != null && rs.size() > 1) {
        rs.subList(r.nextInt(rs.size()), rs.size()).clear();
      }
    }
    if (moves && r.nextBoolean()) { // re-batched: records change files, keep their ids
      List<Rec> all = new ArrayList<>();
      d.files.values().forEach(all::addAll);
      Collections.shuffle(all, r);
      int i = 0;
      for (List<Rec> rs : d.files.values()) {
        int n = rs.size();
        rs.clear();
        rs.addAll(all.subList(i, i + n));
        i += n;
      }
    }
    if (d.files.values().stream().allMatch(List::isEmpty)) {
      d.files.put("batch_999.pt", new ArrayList<>(List.of(rec(r, strata, groups, grouped))));
    }
    d.files.values().removeIf(List::isEmpty);
    return d;
  }

  static String keyOf(Dataset d, String file, int pos, Rec rec, boolean byId) {
    return byId ? "id:" + rec.id : file + "#" + pos;
  }

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
        PlannerTest.assertSamePlan(res.plan(), again.plan(), where + " shuffled");
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

  // ------------------------------------------------------------ examples and refusals

  private static List<RecordInfo> infos(String file, int from, int... strata) {
    List<RecordInfo> out = new ArrayList<>();
    for (int p = 0; p < strata.length; p++) {
      out.add(new RecordInfo(from + p, file + "#" + p, stratum(strata[p]), null));
    }
    return out;
  }

  @Test
  void nothingNewKeepsEveryPlaceAndListsNothingAdded() {
    List<RecordInfo> v1 = infos("batch_1.pt", 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0);
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(4);
    Plan p1 = Planner.plan(v1, cfg);
    IndicesFile f1 =
        IndicesFile.of(p1, List.of(new SourceFile("batch_1.pt", "/d/batch_1.pt", 12, 9, null, 0)));
    Extension.Result res = Extension.plan(v1, null, null, cfg, f1, "sha256:00");
    for (Split s : Split.values()) {
      assertArrayEquals(p1.indices(s), res.plan().indices(s));
    }
    assertEquals(new SplitCounts(0, 0, 0), res.lineage().added());
    assertEquals(new SplitCounts(0, 0, 0), res.lineage().removed());
    assertEquals(List.of(), res.notes());
  }

  @Test
  void newRecordsFillTheLastChunkThenNewOnes() {
    List<RecordInfo> v1 = infos("batch_1.pt", 0, new int[20]);
    SplitConfig cfg = SplitConfig.defaults().withStrataFields(List.of()).withChunkSize(4);
    v1 =
        v1.stream()
            .map(
                r ->
                    new RecordInfo(
                        r.globalIndex(), r.identity(), Stratum.of(List.of(), List.of()), null))
            .toList();
    Plan p1 = Planner.plan(v1, cfg);
    IndicesFile f1 =
        IndicesFile.of(p1, List.of(new SourceFile("batch_1.pt", "/d/batch_1.pt", 20, 9, null, 0)));
    List<RecordInfo> v2 = new ArrayList<>(v1);
    for (int p = 0; p < 20; p++) {
      v2.add(new RecordInfo(20 + p, "batch_2.pt#" + p, Stratum.of(List.of(), List.of()), null));
    }
    Extension.Result res = Extension.plan(v2, null, null, cfg, f1, "sha256:00");
    assertEquals(new SplitCounts(28, 6, 6), res.plan().totals());
    for (Split s : Split.values()) {
      long[] before = p1.indices(s);
      long[] after = res.plan().indices(s);
      assertArrayEquals(before, Arrays.copyOf(after, before.length), s.jsonName());
      for (int i = before.length; i < after.length; i++) {
        assertTrue(after[i] >= 20, "new records come after the old ones");
      }
    }
    assertEquals(new SplitCounts(14, 3, 3), res.lineage().added());
  }

  @Test
  void removedRecordsAreReportedAndTheirPlacesFilled() {
    List<RecordInfo> v1 = new ArrayList<>(infos("batch_1.pt", 0, new int[10]));
    v1.addAll(infos("batch_2.pt", 10, new int[10]));
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(3);
    Plan p1 = Planner.plan(v1, cfg);
    IndicesFile f1 =
        IndicesFile.of(
            p1,
            List.of(
                new SourceFile("batch_1.pt", "/d/batch_1.pt", 10, 9, null, 0),
                new SourceFile("batch_2.pt", "/d/batch_2.pt", 10, 9, null, 10)));
    // batch_1 removed, batch_2 shortened to 7.
    List<RecordInfo> v2 = infos("batch_2.pt", 0, new int[7]);
    Extension.Result res = Extension.plan(v2, null, null, cfg, f1, "sha256:00");
    assertEquals(
        List.of(
            "batch_1.pt: all 10 records of the previous version are gone from the input",
            "batch_2.pt: 3 of its 10 records of the previous version are gone from the input"),
        res.notes());
    assertEquals(13, res.lineage().removed().sum());
    assertEquals(7, res.lineage().kept().sum());
    assertEquals(7, res.plan().recordCount());
  }

  @Test
  void otherSettingsAreRefusedNamingTheSetting() {
    List<RecordInfo> v1 = infos("batch_1.pt", 0, 0, 1, 0, 1);
    SplitConfig cfg = SplitConfig.defaults();
    IndicesFile f1 =
        IndicesFile.of(
            Planner.plan(v1, cfg),
            List.of(new SourceFile("batch_1.pt", "/d/batch_1.pt", 4, 9, null, 0)));
    SplitException e =
        assertThrows(
            SplitException.class,
            () ->
                Extension.plan(
                    v1, null, null, cfg.withRatios(new SplitRatios(0.8, 0.1, 0.1)), f1, "d"));
    assertTrue(
        e.getMessage()
            .contains("ratios: previous indices have 0.7,0.15,0.15, run asks for 0.8,0.1,0.1"),
        e.getMessage());
    e =
        assertThrows(
            SplitException.class,
            () ->
                Extension.plan(
                    v1, null, null, cfg.withStrataFields(List.of("view_position")), f1, "d"));
    assertTrue(e.getMessage().contains("strata fields: previous indices have"), e.getMessage());
    e =
        assertThrows(
            SplitException.class,
            () -> Extension.plan(v1, null, null, cfg.withGroupBy("subject_id"), f1, "d"));
    assertTrue(
        e.getMessage().contains("group by: previous indices have none, run asks for subject_id"),
        e.getMessage());
    e =
        assertThrows(
            SplitException.class, () -> Extension.plan(v1, new long[4], "dicom_id", cfg, f1, "d"));
    assertTrue(e.getMessage().contains("id field: previous indices have none"), e.getMessage());
  }

  @Test
  void duplicateIdsAreRefused() {
    List<RecordInfo> v1 = infos("batch_1.pt", 0, 0, 1, 0, 1);
    SplitConfig cfg = SplitConfig.defaults();
    RecordIds rid = new RecordIds("dicom_id", cfg.seed());
    long[] ids = {rid.hash("a"), rid.hash("b"), rid.hash("c"), rid.hash("d")};
    IndicesFile f1 =
        IndicesFile.of(
                Planner.plan(v1, cfg),
                List.of(new SourceFile("batch_1.pt", "/d/batch_1.pt", 4, 9, null, 0)))
            .withIds(new IndicesFile.IdHashes("dicom_id", ids));
    long[] dup = {ids[0], ids[1], ids[2], ids[1]};
    SplitException e =
        assertThrows(SplitException.class, () -> Extension.plan(v1, dup, "dicom_id", cfg, f1, "d"));
    assertEquals(
        "batch_1.pt#1 and batch_1.pt#3 have the same id (dicom_id); an id must name one record",
        e.getMessage());
    assertTrue(!f1.toJson().contains("\"a\""), "id values are never stored");
  }
}
