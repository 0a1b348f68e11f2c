package dev.splitflow.functions.marker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitRatios;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {
  private static final String WHERE = "gs://b/cxr/_BATCHES_COMPLETE#7";

  private static RunOptions parse(String json) {
    return RunOptions.parse(json, WHERE);
  }

  private static String rejected(String json, String... mentions) {
    MarkerException e = assertThrows(MarkerException.class, () -> parse(json), json);
    String m = e.getMessage();
    assertTrue(m.startsWith(WHERE + ": "), "message starts with where: " + m);
    for (String s : mentions) {
      assertTrue(m.contains(s), "message mentions '" + s + "': " + m);
    }
    return m;
  }

  // ---- no overrides

  @Test
  void emptyOrBlankIsNone() {
    assertSame(RunOptions.NONE, RunOptions.parse(null, WHERE));
    assertSame(RunOptions.NONE, parse(""));
    assertSame(RunOptions.NONE, parse("   \n\t "));
  }

  @Test
  void emptyObjectSetsNothing() {
    assertEquals(RunOptions.NONE, parse("{}"));
    assertEquals(RunOptions.NONE, parse(" { } \n"));
  }

  @Test
  void nullValuesCountAsAbsent() {
    assertEquals(
        RunOptions.NONE, parse("{\"seed\": null, \"groupBy\": null, \"trainRatio\": null}"));
  }

  // ---- valid content

  @Test
  void fullValidJson() {
    RunOptions o =
        parse(
            """
            {
              "trainRatio": 0.8, "valRatio": 0.1, "testRatio": 0.1,
              "seed": 7,
              "chunkSize": 100,
              "strataFields": ["view_position", "has:clinical_features", "sex"],
              "groupBy": "subject_id",
              "expectedBatchCount": 120
            }
            """);
    assertEquals(0.8, o.trainRatio());
    assertEquals(0.1, o.valRatio());
    assertEquals(0.1, o.testRatio());
    assertEquals(7L, o.seed());
    assertEquals(100, o.chunkSize());
    assertEquals(List.of("view_position", "has:clinical_features", "sex"), o.strataFields());
    assertEquals("subject_id", o.groupBy());
    assertEquals(120, o.expectedBatchCount());

    SplitConfig c = o.resolve();
    assertEquals(new SplitRatios(0.8, 0.1, 0.1), c.ratios());
    assertEquals(7L, c.seed());
    assertEquals(100, c.chunkSize());
    assertEquals(List.of("view_position", "has:clinical_features", "sex"), c.strataFields());
    assertEquals("subject_id", c.groupBy());
  }

  @Test
  void strataFieldsAsCommaString() {
    RunOptions o = parse("{\"strataFields\": \" view_position , has:clinical_features,,sex \"}");
    assertEquals(List.of("view_position", "has:clinical_features", "sex"), o.strataFields());
  }

  @Test
  void strataFieldsEmptyMeansOneStratum() {
    assertEquals(List.of(), parse("{\"strataFields\": []}").resolve().strataFields());
    assertEquals(List.of(), parse("{\"strataFields\": \"\"}").resolve().strataFields());
  }

  @Test
  void strataFieldsAreTrimmedAndImmutable() {
    RunOptions o = parse("{\"strataFields\": [\"  a \", \"b\"]}");
    assertEquals(List.of("a", "b"), o.strataFields());
    assertThrows(UnsupportedOperationException.class, () -> o.strataFields().add("c"));
  }

  @Test
  void groupByIsTrimmed() {
    assertEquals("subject_id", parse("{\"groupBy\": \" subject_id \"}").groupBy());
  }

  @Test
  void ratiosAtTheEdges() {
    RunOptions o = parse("{\"trainRatio\": 1, \"valRatio\": 0, \"testRatio\": 0}");
    assertEquals(new SplitRatios(1, 0, 0), o.resolve().ratios());
    RunOptions thirds =
        parse(
            "{\"trainRatio\": 0.3333333333333333, \"valRatio\": 0.3333333333333333,"
                + " \"testRatio\": 0.3333333333333334}");
    assertEquals(0.3333333333333333, thirds.resolve().ratios().train());
  }

  @Test
  void seedAcceptsTheWholeLongRange() {
    assertEquals(Long.MAX_VALUE, parse("{\"seed\": " + Long.MAX_VALUE + "}").seed());
    assertEquals(Long.MIN_VALUE, parse("{\"seed\": " + Long.MIN_VALUE + "}").seed());
    assertEquals(0L, parse("{\"seed\": 0}").seed());
    assertEquals(-5L, parse("{\"seed\": -5}").seed());
  }

  @Test
  void chunkSizeAndBatchCountBounds() {
    assertEquals(1, parse("{\"chunkSize\": 1}").chunkSize());
    assertEquals(1_000_000, parse("{\"chunkSize\": 1000000}").chunkSize());
    assertEquals(1, parse("{\"expectedBatchCount\": 1}").expectedBatchCount());
  }

  // ---- errors

  @Test
  void invalidJsonNamesLineAndColumn() {
    String m = rejected("{\n  \"seed\": 7,\n  oops\n}", "not valid JSON", "line 3", "column");
    assertTrue(m.contains("trainRatio"), "lists the known keys: " + m);
    rejected("{\"seed\": 7", "not valid JSON", "line 1");
    rejected("{\"seed\": 7} {\"seed\": 8}", "not valid JSON");
    rejected("{\"seed\": 7, \"seed\": 8}", "not valid JSON", "seed");
    rejected("{'seed': 7}", "not valid JSON");
  }

  @Test
  void nonObjectIsRejected() {
    rejected("[1, 2]", "expected a JSON object", "found array");
    rejected("42", "expected a JSON object", "found number");
    rejected("\"seed\"", "expected a JSON object", "found string");
    rejected("null", "expected a JSON object", "found null");
    rejected("true", "expected a JSON object", "found boolean");
  }

  @Test
  void unknownKeyWithSnakeCaseHint() {
    String m = rejected("{\"train_ratio\": 0.7}", "unknown key 'train_ratio'");
    assertTrue(m.contains("did you mean 'trainRatio'?"), m);
    assertTrue(m.contains("known keys: trainRatio, valRatio"), m);
    assertTrue(
        rejected("{\"chunk-size\": 10}", "unknown key 'chunk-size'")
            .contains("did you mean 'chunkSize'?"));
    assertTrue(
        rejected("{\"expected_batch_count\": 10}").contains("did you mean 'expectedBatchCount'?"));
    assertTrue(rejected("{\"group_by\": \"x\"}").contains("did you mean 'groupBy'?"));
  }

  @Test
  void unknownKeyWithoutHint() {
    String m = rejected("{\"ratios\": [0.7, 0.15, 0.15]}", "unknown key 'ratios'");
    assertTrue(!m.contains("did you mean"), m);
    rejected("{\"TrainRatio\": 0.7}", "unknown key 'TrainRatio'");
  }

  @Test
  void ratiosMustComeTogether() {
    rejected("{\"trainRatio\": 0.7}", "trainRatio, valRatio and testRatio together");
    rejected(
        "{\"trainRatio\": 0.7, \"valRatio\": 0.3}", "trainRatio, valRatio and testRatio together");
    rejected("{\"testRatio\": 1}", "together");
    rejected("{\"valRatio\": 0.5, \"testRatio\": 0.5}", "together");
  }

  @Test
  void ratiosMustSumToOne() {
    // The message comes from core's SplitRatios.
    rejected(
        "{\"trainRatio\": 0.7, \"valRatio\": 0.2, \"testRatio\": 0.2}",
        "split ratios must sum to 1",
        "= 1.1");
  }

  @Test
  void percentagesGetAHintButAreRejectedPerRatioFirst() {
    rejected(
        "{\"trainRatio\": 70, \"valRatio\": 15, \"testRatio\": 15}",
        "trainRatio",
        "a number between 0 and 1",
        "found number 70");
  }

  @Test
  void ratioOutOfRangeOrNotANumber() {
    rejected(
        "{\"trainRatio\": -0.1, \"valRatio\": 0.6, \"testRatio\": 0.5}",
        "trainRatio: expected a number between 0 and 1, found number -0.1");
    rejected(
        "{\"trainRatio\": 0.5, \"valRatio\": 1.5, \"testRatio\": -1}",
        "valRatio: expected a number between 0 and 1");
    rejected(
        "{\"trainRatio\": \"0.7\", \"valRatio\": 0.15, \"testRatio\": 0.15}",
        "trainRatio: expected a number between 0 and 1, found string \"0.7\"");
  }

  @Test
  void chunkSizeErrors() {
    rejected("{\"chunkSize\": 0}", "chunkSize: expected an integer between 1 and 1000000");
    rejected("{\"chunkSize\": -3}", "chunkSize", "found number -3");
    rejected("{\"chunkSize\": 2.5}", "chunkSize", "found number 2.5");
    rejected("{\"chunkSize\": \"50\"}", "chunkSize", "found string");
    rejected("{\"chunkSize\": 1000001}", "chunkSize", "1000001");
    rejected("{\"chunkSize\": 99999999999}", "chunkSize");
  }

  @Test
  void seedErrors() {
    rejected("{\"seed\": 1.5}", "seed: expected an integer, found number 1.5");
    rejected("{\"seed\": \"42\"}", "seed: expected an integer, found string");
    rejected("{\"seed\": 99999999999999999999}", "seed: expected an integer");
    rejected("{\"seed\": [1]}", "seed: expected an integer, found array");
  }

  @Test
  void groupByErrors() {
    rejected("{\"groupBy\": \"  \"}", "groupBy: expected a field name");
    // "" is allowed: it turns off a deployment's default group field.
    rejected("{\"groupBy\": 5}", "groupBy: expected a field name, found number 5");
  }

  @Test
  void strataFieldsErrors() {
    rejected("{\"strataFields\": 3}", "strataFields: expected a list of field names");
    rejected("{\"strataFields\": [\"a\", 3]}", "strataFields: expected a list of field names");
    rejected("{\"strataFields\": [\"a\", \" \"]}", "strataFields");
    rejected("{\"strataFields\": {\"a\": 1}}", "strataFields", "found object");
    // Duplicates and an empty has: come from core's SplitConfig.
    rejected("{\"strataFields\": [\"a\", \"a\"]}", "listed twice");
    rejected("{\"strataFields\": \"has:\"}", "has:");
  }

  @Test
  void expectedBatchCountErrors() {
    rejected(
        "{\"expectedBatchCount\": 0}",
        "expectedBatchCount: expected an integer between 1 and 1000000, found number 0");
    rejected("{\"expectedBatchCount\": -1}", "expectedBatchCount");
    rejected("{\"expectedBatchCount\": 3.0}", "expectedBatchCount");
  }

  @Test
  void longValuesAreCutInMessages() {
    String longText = "x".repeat(200);
    String m = rejected("{\"seed\": \"" + longText + "\"}", "seed: expected an integer");
    assertTrue(m.contains("..."), m);
    assertTrue(m.length() < 200, m);
  }

  // ---- precedence

  @Test
  void markerOverDefaults() {
    RunOptions defaults =
        parse(
            "{\"trainRatio\": 0.6, \"valRatio\": 0.2, \"testRatio\": 0.2, \"seed\": 1,"
                + " \"chunkSize\": 10, \"strataFields\": [\"a\"], \"groupBy\": \"g\"}");
    RunOptions marker = parse("{\"seed\": 2, \"expectedBatchCount\": 3}");
    RunOptions o = marker.over(defaults);
    assertEquals(0.6, o.trainRatio());
    assertEquals(0.2, o.valRatio());
    assertEquals(0.2, o.testRatio());
    assertEquals(2L, o.seed());
    assertEquals(10, o.chunkSize());
    assertEquals(List.of("a"), o.strataFields());
    assertEquals("g", o.groupBy());
    assertEquals(3, o.expectedBatchCount());
  }

  @Test
  void everyMarkerFieldWins() {
    RunOptions defaults =
        parse(
            "{\"trainRatio\": 0.6, \"valRatio\": 0.2, \"testRatio\": 0.2, \"seed\": 1,"
                + " \"chunkSize\": 10, \"strataFields\": [\"a\"], \"groupBy\": \"g\"}");
    RunOptions marker =
        parse(
            "{\"trainRatio\": 0.5, \"valRatio\": 0.25, \"testRatio\": 0.25, \"seed\": 9,"
                + " \"chunkSize\": 20, \"strataFields\": [], \"groupBy\": \"h\","
                + " \"expectedBatchCount\": 4}");
    assertEquals(marker, marker.over(defaults));
  }

  @Test
  void emptyStrataInMarkerOverridesDefaults() {
    RunOptions defaults = parse("{\"strataFields\": [\"a\", \"b\"]}");
    assertEquals(List.of(), parse("{\"strataFields\": []}").over(defaults).strataFields());
  }

  @Test
  void ratiosAreOneUnit() {
    RunOptions defaults = parse("{\"trainRatio\": 0.6, \"valRatio\": 0.2, \"testRatio\": 0.2}");
    RunOptions marker = parse("{\"trainRatio\": 1, \"valRatio\": 0, \"testRatio\": 0}");
    RunOptions o = marker.over(defaults);
    assertEquals(new SplitRatios(1, 0, 0), o.resolve().ratios());
    assertEquals(0.0, o.valRatio());
    assertEquals(0.0, o.testRatio());
    RunOptions none = RunOptions.NONE.over(defaults);
    assertEquals(new SplitRatios(0.6, 0.2, 0.2), none.resolve().ratios());
  }

  @Test
  void noneOverNoneIsNone() {
    assertEquals(RunOptions.NONE, RunOptions.NONE.over(RunOptions.NONE));
    RunOptions d = parse("{\"seed\": 5}");
    assertEquals(d, RunOptions.NONE.over(d));
    assertEquals(d, d.over(RunOptions.NONE));
  }

  // ---- resolve

  @Test
  void resolveDefaultsAreCoreDefaults() {
    assertEquals(SplitConfig.defaults(), RunOptions.NONE.resolve());
    assertEquals(SplitConfig.defaults(), parse("{}").resolve());
    assertEquals(SplitConfig.defaults(), parse("{\"expectedBatchCount\": 5}").resolve());
    SplitConfig d = RunOptions.NONE.resolve();
    assertEquals(42L, d.seed());
    assertEquals(new SplitRatios(0.7, 0.15, 0.15), d.ratios());
    assertEquals(List.of("view_position", "has:clinical_features"), d.strataFields());
    assertNull(d.groupBy());
    assertEquals(50, d.chunkSize());
  }

  @Test
  void resolveChangesOnlyWhatIsSet() {
    assertEquals(SplitConfig.defaults().withSeed(3), parse("{\"seed\": 3}").resolve());
    assertEquals(SplitConfig.defaults().withChunkSize(7), parse("{\"chunkSize\": 7}").resolve());
    assertEquals(
        SplitConfig.defaults().withGroupBy("subject_id"),
        parse("{\"groupBy\": \"subject_id\"}").resolve());
    assertEquals(
        SplitConfig.defaults().withStrataFields(List.of("x")),
        parse("{\"strataFields\": \"x\"}").resolve());
  }

  @Test
  void keysAreThePipelineOptionNames() {
    assertEquals(
        List.of(
            "trainRatio",
            "valRatio",
            "testRatio",
            "seed",
            "chunkSize",
            "strataFields",
            "groupBy",
            "expectedBatchCount",
            "previousIndices",
            "idField"),
        RunOptions.KEYS);
  }

  @Test
  void previousIndicesResolveAgainstTheDatasetFolder() {
    String ds = "gs://data/datasets/cxr/";
    RunOptions rel =
        RunOptions.parse("{\"previousIndices\": \"split/stratification_indices.json\"}", "m");
    assertEquals(
        "gs://data/datasets/cxr/split/stratification_indices.json",
        rel.previousIndicesUri(ds, "m"));
    RunOptions up =
        RunOptions.parse("{\"previousIndices\": \"../v1/stratification_indices.json\"}", "m");
    assertEquals(
        "gs://data/datasets/v1/stratification_indices.json", up.previousIndicesUri(ds, "m"));
    RunOptions abs = RunOptions.parse("{\"previousIndices\": \"gs://other/v1/i.json\"}", "m");
    assertEquals("gs://other/v1/i.json", abs.previousIndicesUri(ds, "m"));
    assertEquals(null, RunOptions.NONE.previousIndicesUri(ds, "m"));
    RunOptions out = RunOptions.parse("{\"previousIndices\": \"../../../x.json\"}", "m");
    MarkerException e = assertThrows(MarkerException.class, () -> out.previousIndicesUri(ds, "m"));
    assertTrue(e.getMessage().contains("resolves outside the bucket"), e.getMessage());
    rejected("{\"previousIndices\": \"s3://b/i.json\"}", "previousIndices: expected a gs:// URI");
    rejected("{\"previousIndices\": 3}", "previousIndices: expected a gs:// URI");
    RunOptions id = RunOptions.parse("{\"idField\": \"dicom_id\"}", "m");
    assertEquals("dicom_id", id.idFieldOrNull());
    assertEquals(null, RunOptions.parse("{\"idField\": \"\"}", "m").idFieldOrNull());
  }

  @Test
  void aKeyGivenTwiceIsRefusedRatherThanTheLastOneWinning() {
    rejected("{\"seed\": 1, \"seed\": 2}", "Duplicate field 'seed'");
  }

  @Test
  void aPercentageIsRefusedWithTheShareItProbablyMeant() {
    rejected(
        "{\"trainRatio\": 70, \"valRatio\": 15, \"testRatio\": 15}",
        "trainRatio",
        "(a share: 0.7, not a percentage)");
  }

  @Test
  void anEmptyGroupByTurnsOffTheDeploymentsDefault() {
    RunOptions defaults = parse("{\"groupBy\": \"subject_id\"}");
    RunOptions marker = parse("{\"groupBy\": \"\"}");
    assertEquals("subject_id", RunOptions.NONE.over(defaults).resolve().groupBy());
    assertEquals(null, marker.over(defaults).resolve().groupBy());
  }
}
