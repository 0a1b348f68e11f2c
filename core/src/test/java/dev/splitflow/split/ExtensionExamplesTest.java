package dev.splitflow.split;

import static dev.splitflow.split.SplitTestData.stratum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Extension} on small datasets worked by hand: nothing new, records added and removed, and
 * the settings and inputs it refuses.
 */
class ExtensionExamplesTest {

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
