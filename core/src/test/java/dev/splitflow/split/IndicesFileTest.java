package dev.splitflow.split;

import static dev.splitflow.split.SplitRatiosTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class IndicesFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Three batch files of 4, 3 and 5 records; strata with awkward characters. */
  static List<RecordInfo> records(boolean groups) {
    String[] views = {"PA", "AP", "LAT \"x\"\\|=", "Ωmega\n\ud800"};
    List<RecordInfo> out = new ArrayList<>();
    int[] perFile = {4, 3, 5};
    long g = 0;
    for (int f = 0; f < perFile.length; f++) {
      for (int i = 0; i < perFile[f]; i++, g++) {
        Stratum s =
            Stratum.of(
                List.of("view_position", "has:clinical_features"),
                List.of(views[(int) (g % views.length)], Boolean.toString(g % 3 == 0)));
        out.add(new RecordInfo(g, "batch_" + (f + 1) + ".pt#" + i, s, groups ? "s" + g / 2 : null));
      }
    }
    return out;
  }

  static List<SourceFile> sources() {
    return List.of(
        new SourceFile("batch_1.pt", "/data/batch_1.pt", 4, 1000, null, 0),
        new SourceFile("batch_2.pt", "/data/batch_2.pt", 3, 900, null, 4),
        new SourceFile("batch_10.pt", "/data/batch_10.pt", 5, 1200, null, 7));
  }

  static IndicesFile file(boolean groups) {
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(2);
    return IndicesFile.of(
        Planner.plan(records(groups), groups ? cfg.withGroupBy("subject_id") : cfg), sources());
  }

  @Test
  void roundTripsToTheSameBytes() {
    for (boolean groups : new boolean[] {false, true}) {
      IndicesFile f = file(groups);
      String json = f.toJson();
      IndicesFile back = IndicesFile.parse(json, "x.json");
      assertEquals(json, back.toJson());
      assertEquals(f, back);
      assertEquals(f.config(), back.config());
      assertEquals(f.sources(), back.sources());
      assertEquals(f.plan().strata(), back.plan().strata());
      assertEquals(f.plan().deviation(), back.plan().deviation());
      assertEquals(f.plan().groups(), back.plan().groups());
      assertEquals(f.plan().targets(), back.plan().targets());
      for (Split s : Split.values()) {
        assertArrayEquals(f.indices(s), back.indices(s));
        assertEquals(f.plan().chunks(s), back.plan().chunks(s));
      }
      assertEquals(IndicesFile.RANK_FUNCTION, back.rankFunction());
    }
  }

  @Test
  void isDeterministicAndLaidOutAsDocumented() {
    List<RecordInfo> shuffled = new ArrayList<>(records(false));
    Collections.shuffle(shuffled, new Random(4));
    List<SourceFile> reversed = new ArrayList<>(sources());
    Collections.reverse(reversed);
    String json =
        IndicesFile.of(Planner.plan(shuffled, SplitConfig.defaults().withChunkSize(2)), reversed)
            .toJson();
    assertEquals(file(false).toJson(), json);
    assertTrue(json.endsWith("}\n"));
    String[] lines = json.split("\n", -1);
    assertTrue(lines[1].matches("  \"train\": \\[[0-9]+(,[0-9]+)*\\],"), lines[1]);
    assertTrue(lines[2].startsWith("  \"val\": ["));
    assertTrue(lines[3].startsWith("  \"test\": ["));
    assertEquals("  \"metadata\": {", lines[4]);
    List<String> keys = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("    \"")) {
        keys.add(line.substring(5, line.indexOf('"', 5)));
      }
    }
    assertEquals(
        List.of(
            "format",
            "version",
            "seed",
            "ratios",
            "strata_fields",
            "group_by",
            "chunk_size",
            "rank_function",
            "totals",
            "strata",
            "groups",
            "deviation",
            "sources"),
        keys);
    assertTrue(json.contains("    \"ratios\": {\"train\": 0.7, \"val\": 0.15, \"test\": 0.15},\n"));
    assertTrue(
        json.contains(
            "      {\"file\": \"batch_1.pt\", \"path\": \"/data/batch_1.pt\", \"records\": 4,"
                + " \"bytes\": 1000, \"generation\": null, \"first_index\": 0}"));
    // The lone surrogate is escaped, so the bytes are valid UTF-8 and it comes back.
    assertTrue(json.contains("\\n\\ud800"));
    assertEquals(json, new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
  }

  /** Tools that read only train/val/test see plain integer lists. */
  @Test
  void readableAsPlainJson() throws Exception {
    IndicesFile f = file(true);
    JsonNode root = JSON.readTree(f.toJsonBytes());
    for (Split s : Split.values()) {
      long[] list = new long[root.get(s.jsonName()).size()];
      for (int i = 0; i < list.length; i++) {
        list[i] = root.get(s.jsonName()).get(i).longValue();
      }
      assertArrayEquals(f.indices(s), list);
    }
    JsonNode meta = root.get("metadata");
    assertEquals("splitflow-indices", meta.get("format").textValue());
    assertEquals("subject_id", meta.get("group_by").textValue());
    assertTrue(meta.get("deviation").get("total_off").has("train"));
    assertEquals(f.plan().groups().getAsLong(), meta.get("groups").longValue());
    JsonNode first = meta.get("strata").get(0);
    assertEquals(first.get("key").textValue(), f.plan().strata().get(0).stratum().key());
    assertEquals("AP", first.get("stratum").get("view_position").textValue());
  }

  @Test
  void ofChecksTheSourcesCoverThePlan() {
    Plan plan = Planner.plan(records(false), SplitConfig.defaults());
    assertMessage(
        "the sources hold 7 records, the lists 12",
        () -> IndicesFile.of(plan, sources().subList(0, 2)));
    assertMessage(
        "batch_2.pt (indices 4..6) overlaps batch_10.pt (from 6)",
        () ->
            IndicesFile.of(
                plan,
                List.of(
                    sources().get(0),
                    sources().get(1),
                    new SourceFile("batch_10.pt", "p", 6, 1, null, 6))));
    assertMessage(
        "index 7 is in no source file's range",
        () ->
            IndicesFile.of(
                plan,
                List.of(
                    sources().get(0),
                    sources().get(1),
                    new SourceFile("batch_10.pt", "p", 5, 1, null, 20))));
    assertMessage(
        "batch_1.pt: the record count must be known",
        () ->
            IndicesFile.of(
                plan,
                List.of(
                    new SourceFile("batch_1.pt", "p", SourceFile.UNKNOWN_RECORDS, 1, null, 0))));
  }

  @Test
  void parseErrorsNameTheFileAndThePlace() throws Exception {
    String good = file(false).toJson();
    assertMessage("x.json: not valid JSON", () -> IndicesFile.parse("{\"train\": [1,", "x.json"));
    assertMessage(
        "x.json: has no \"metadata\"; it was not written by splitflow",
        () -> IndicesFile.parse("{\"train\": [0], \"val\": [], \"test\": []}", "x.json"));
    assertMessage(
        "x.json: top level: expected an object, found array",
        () -> IndicesFile.parse("[]", "x.json"));
    assertEdit(
        good,
        "x.json: metadata.seed: expected an integer, found string \"42\"",
        root -> meta(root).put("seed", "42"));
    assertEdit(
        good, "indices file version 2 is not supported", root -> meta(root).put("version", 2));
    assertEdit(good, "metadata.format is \"other\"", root -> meta(root).put("format", "other"));
    assertEdit(
        good, "x.json: metadata.chunk_size is missing", root -> meta(root).remove("chunk_size"));
    assertEdit(
        good,
        "x.json: metadata: split ratios must sum to 1",
        root -> ((ObjectNode) meta(root).get("ratios")).put("val", 0.5));
    assertEdit(
        good,
        "x.json: val[0]: expected a global index (an integer >= 0), found number -1",
        root -> ((ArrayNode) root.get("val")).insert(0, -1));
    assertEdit(
        good,
        "x.json: metadata.totals.train is 8 but the train list has 9 indices",
        root -> ((ArrayNode) root.get("train")).add(100));
    assertEdit(
        good,
        "is listed twice",
        root -> {
          ArrayNode train = (ArrayNode) root.get("train");
          ArrayNode val = (ArrayNode) root.get("val");
          val.set(0, train.get(0));
        });
    assertEdit(
        good,
        "metadata.strata[0].key is \"nope\"",
        root -> ((ObjectNode) meta(root).get("strata").get(0)).put("key", "nope"));
    assertEdit(
        good,
        "metadata.strata[1]: achieved adds up to",
        root -> ((ObjectNode) meta(root).get("strata").get(1)).put("count", 99));
    assertEdit(
        good,
        "metadata.groups and metadata.deviation must be set exactly when group_by is",
        root -> meta(root).put("group_by", "subject_id"));
    assertEdit(
        good,
        "x.json: metadata.sources[1]: batch_2.pt: records (-5)",
        root -> ((ObjectNode) meta(root).get("sources").get(1)).put("records", -5));
  }

  private static ObjectNode meta(ObjectNode root) {
    return (ObjectNode) root.get("metadata");
  }

  private static void assertEdit(String json, String message, Consumer<ObjectNode> edit) {
    ObjectNode root;
    try {
      root = (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    edit.accept(root);
    assertMessage(message, () -> IndicesFile.parse(root.toString(), "x.json"));
  }

  /** The worked example in docs/split.md is what the planner writes, byte for byte. */
  @Test
  void docsExampleIsTheRealOutput() throws Exception {
    String[] view = {"PA", "PA", "AP", "PA", "AP", "PA", "PA", "AP", "PA", "PA"};
    boolean[] clinical = {true, false, true, true, true, false, true, true, true, true};
    List<RecordInfo> recs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      recs.add(
          new RecordInfo(
              i,
              i < 6 ? "batch_1.pt#" + i : "batch_2.pt#" + (i - 6),
              Stratum.of(
                  List.of("view_position", "has:clinical_features"),
                  List.of(view[i], Boolean.toString(clinical[i]))),
              null));
    }
    String json =
        IndicesFile.of(
                Planner.plan(recs, SplitConfig.defaults().withChunkSize(4)),
                List.of(
                    new SourceFile(
                        "batch_1.pt",
                        "gs://bucket/cxr/batch_1.pt",
                        6,
                        6291456,
                        1718000000000001L,
                        0),
                    new SourceFile(
                        "batch_2.pt",
                        "gs://bucket/cxr/batch_2.pt",
                        4,
                        4194304,
                        1718000000000002L,
                        6)))
            .toJson();
    Path doc = Path.of(System.getProperty("splitflow.repo.root", "."), "docs", "split.md");
    String text = Files.readString(doc);
    int start = text.indexOf("```json\n") + "```json\n".length();
    assertEquals(json, text.substring(start, text.indexOf("```", start)), doc.toString());
  }

  // ------------------------------------------------------------ differences

  @Test
  void noDifferencesForTheSameRun() {
    IndicesFile f = file(false);
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(2);
    assertEquals(List.of(), f.differences(sources(), cfg));
    // Another folder with the same files is the same input.
    List<SourceFile> moved = new ArrayList<>();
    for (SourceFile s : sources()) {
      moved.add(
          new SourceFile(
              s.file(), "gs://b/" + s.file(), s.records(), s.bytes(), null, s.firstIndex()));
    }
    assertEquals(List.of(), f.differences(moved, cfg));
    // Record counts not known yet are not compared.
    List<SourceFile> unscanned = new ArrayList<>();
    for (SourceFile s : sources()) {
      unscanned.add(
          new SourceFile(s.file(), s.path(), SourceFile.UNKNOWN_RECORDS, s.bytes(), null, 0));
    }
    assertEquals(List.of(), f.differences(unscanned, cfg));
  }

  @Test
  void configDifferencesInPlainWords() {
    IndicesFile f = file(false);
    SplitConfig cfg =
        new SplitConfig(
            7, new SplitRatios(0.8, 0.1, 0.1), List.of("view_position"), "subject_id", 50);
    assertEquals(
        List.of(
            "seed: indices have 42, run asks for 7",
            "ratios: indices have 0.7,0.15,0.15, run asks for 0.8,0.1,0.1",
            "strata fields: indices have view_position,has:clinical_features, run asks for"
                + " view_position",
            "group by: indices have none, run asks for subject_id",
            "chunk size: indices have 2, run asks for 50"),
        f.differences(sources(), cfg));
  }

  @Test
  void fileDifferencesInPlainWords() {
    IndicesFile f = file(false);
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(2);
    List<SourceFile> now =
        List.of(
            new SourceFile("batch_1.pt", "/data/batch_1.pt", 4, 1001, 17L, 0),
            new SourceFile("batch_2.pt", "/data/batch_2.pt", 6, 900, null, 4),
            new SourceFile("batch_11.pt", "/data/batch_11.pt", 1, 10, null, 10));
    assertEquals(
        List.of(
            "batch_1.pt: bytes: indices have 1000, input has 1001",
            "batch_2.pt: records: indices have 3, input has 6",
            "batch_11.pt: new file, not in the indices",
            "batch_10.pt: in the indices, not in the input"),
        f.differences(now, cfg));
  }

  @Test
  void aShiftedFirstIndexIsReportedOnlyAlone() {
    IndicesFile f = file(false);
    SplitConfig cfg = SplitConfig.defaults().withChunkSize(2);
    List<SourceFile> reordered =
        List.of(
            new SourceFile("batch_10.pt", "/data/batch_10.pt", 5, 1200, null, 0),
            new SourceFile("batch_1.pt", "/data/batch_1.pt", 4, 1000, null, 5),
            new SourceFile("batch_2.pt", "/data/batch_2.pt", 3, 900, null, 9));
    List<String> d = f.differences(reordered, cfg);
    assertEquals(3, d.size());
    assertEquals(
        "batch_10.pt: first index: indices have 7, input has 0 (files are in a different order)",
        d.get(0));
    List<SourceFile> twice = new ArrayList<>(sources());
    twice.add(sources().get(0));
    assertEquals(
        List.of("batch_1.pt: listed more than once in the input"), f.differences(twice, cfg));
  }
}
