package dev.splitflow.split;

import static dev.splitflow.split.SplitRatiosTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.DType;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.ComplexValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.SetValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtValue.TupleValue;
import dev.splitflow.pt.TensorValue;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordInfosTest {
  private static final SplitConfig CFG = SplitConfig.defaults();
  private static final TensorValue IMAGE =
      TensorValue.of(DType.FLOAT32, new long[] {2}, new byte[8]);

  static DictValue record(Object... kv) {
    Map<String, PtValue> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (PtValue) kv[i + 1]);
    }
    return DictValue.of(m);
  }

  @Test
  void defaultStrata() {
    RecordInfo r =
        RecordInfos.extract(
            record(
                "image", IMAGE,
                "view_position", StrValue.of("PA"),
                "clinical_features", ListValue.of(List.of(IntValue.of(1))),
                "subject_id", IntValue.of(10001)),
            CFG,
            17,
            "batch_3.pt#17");
    assertEquals(17, r.globalIndex());
    assertEquals("batch_3.pt#17", r.identity());
    assertEquals("view_position=PA|has:clinical_features=true", r.stratum().key());
    assertNull(r.group());
  }

  @Test
  void valueStrings() {
    SplitConfig cfg = CFG.withStrataFields(List.of("v"));
    Map<PtValue, String> cases = new LinkedHashMap<>();
    cases.put(StrValue.of("AP"), "AP");
    cases.put(StrValue.of(""), "");
    cases.put(IntValue.of(-12), "-12");
    cases.put(new IntValue(BigInteger.TWO.pow(70)), "1180591620717411303424");
    cases.put(BoolValue.TRUE, "true");
    cases.put(BoolValue.FALSE, "false");
    cases.put(NoneValue.NONE, "None");
    cases.put(new FloatValue(0.5), "0.5");
    cases.put(new FloatValue(1e-5), "1e-05");
    cases.put(new FloatValue(3.0), "3.0");
    cases.put(new FloatValue(Double.NaN), "nan");
    cases.forEach(
        (v, s) ->
            assertEquals(
                Map.of("v", s),
                RecordInfos.extract(record("v", v), cfg, 0, "f.pt#0").stratum().fields(),
                v::toString));
  }

  @Test
  void hasMeansPresentNotNoneNotEmpty() {
    SplitConfig cfg = CFG.withStrataFields(List.of("has:c"));
    List<PtValue> empty =
        List.of(
            NoneValue.NONE,
            StrValue.of(""),
            new BytesValue(new byte[0], false),
            new BytesValue(new byte[0], true),
            ListValue.of(List.of()),
            TupleValue.of(List.of()),
            DictValue.of(Map.of()),
            SetValue.of(List.of()),
            TensorValue.of(DType.FLOAT32, new long[] {0, 3}, new byte[0]));
    for (PtValue v : empty) {
      assertFalse(RecordInfos.isAvailable(v), v::typeName);
      assertEquals(
          "has:c=false", RecordInfos.extract(record("c", v), cfg, 0, "f#0").stratum().key());
    }
    List<PtValue> available =
        List.of(
            IntValue.of(0),
            BoolValue.FALSE,
            new FloatValue(0.0),
            new ComplexValue(0, 0),
            StrValue.of(" "),
            new BytesValue(new byte[1], false),
            ListValue.of(List.of(NoneValue.NONE)),
            TupleValue.of(List.of(IntValue.of(1))),
            DictValue.of(Map.of("a", NoneValue.NONE)),
            SetValue.of(List.of(IntValue.of(1))),
            TensorValue.of(DType.FLOAT32, new long[] {}, new byte[4]), // a 0-d tensor: 1 element
            IMAGE);
    for (PtValue v : available) {
      assertTrue(RecordInfos.isAvailable(v), v::typeName);
      assertEquals(
          "has:c=true", RecordInfos.extract(record("c", v), cfg, 0, "f#0").stratum().key());
    }
    // An absent has: field is simply unavailable.
    assertEquals(
        "has:c=false", RecordInfos.extract(record("x", IMAGE), cfg, 0, "f#0").stratum().key());
  }

  @Test
  void missingValueFieldListsTheFieldsTheRecordHas() {
    assertMessage(
        "batch_3.pt#17: stratum field 'view_position' is missing; the record has fields image,"
            + " viewPosition, subject_id",
        () ->
            RecordInfos.extract(
                record(
                    "image",
                    IMAGE,
                    "viewPosition",
                    StrValue.of("PA"),
                    "subject_id",
                    IntValue.of(1)),
                CFG,
                0,
                "batch_3.pt#17"));
    assertMessage(
        "f.pt#0: stratum field 'view_position' is missing; the record has no fields",
        () -> RecordInfos.extract(record(), CFG, 0, "f.pt#0"));
    assertMessage(
        "f.pt#2: group-by field 'subject_id' is missing; the record has fields view_position",
        () ->
            RecordInfos.extract(
                record("view_position", StrValue.of("PA")),
                CFG.withGroupBy("subject_id"),
                2,
                "f.pt#2"));
  }

  @Test
  void nonScalarStratumValueNamesTheType() {
    assertMessage(
        "f.pt#4: stratum field 'view_position' holds a list, but a stratum value must be a str,"
            + " int, bool, float, None or a numpy integer scalar; to stratify on whether it is"
            + " present use has:view_position",
        () ->
            RecordInfos.extract(
                record("view_position", ListValue.of(List.of())), CFG, 4, "f.pt#4"));
    assertMessage(
        "holds a Tensor",
        () -> RecordInfos.extract(record("view_position", IMAGE), CFG, 4, "f.pt#4"));
    assertMessage(
        "group-by field 'subject_id' holds a dict",
        () ->
            RecordInfos.extract(
                record("view_position", StrValue.of("PA"), "subject_id", DictValue.of(Map.of())),
                CFG.withGroupBy("subject_id"),
                4,
                "f.pt#4"));
  }

  @Test
  void recordMustBeADictWithStrKeys() {
    assertMessage(
        "f.pt#1: record is a list, expected a dict with str keys",
        () -> RecordInfos.extract(ListValue.of(List.of()), CFG, 1, "f.pt#1"));
    DictValue intKeys = DictValue.of(DictValue.Kind.DICT, Map.of(IntValue.of(1), IntValue.of(2)));
    assertMessage(
        "f.pt#1: record is a dict with non-str keys",
        () -> RecordInfos.extract(intKeys, CFG, 1, "f.pt#1"));
  }

  @Test
  void groupValues() {
    SplitConfig cfg = CFG.withStrataFields(List.of()).withGroupBy("subject_id");
    assertEquals(
        "10001",
        RecordInfos.extract(record("subject_id", IntValue.of(10001)), cfg, 0, "a#0").group());
    assertEquals(
        "p7", RecordInfos.extract(record("subject_id", StrValue.of("p7")), cfg, 0, "a#0").group());
    assertNull(RecordInfos.extract(record("subject_id", NoneValue.NONE), cfg, 0, "a#0").group());
    assertEquals(
        "", RecordInfos.extract(record(), cfg.withGroupBy(null), 0, "a#0").stratum().key());
  }

  @Test
  void numpyIntegerScalarsGroupLikePythonInts() throws IOException {
    // subject ids written by pandas are np.int64 scalars; golden file made by numpy 2.4.
    Path file =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden/valid/numpy_values.pt");
    SplitConfig cfg = SplitConfig.defaults().withStrataFields(List.of("name")).withGroupBy("value");
    Map<String, String> groups = new HashMap<>();
    try (PtFile f = PtFile.open(file)) {
      for (PtValue r : f.records()) {
        String name = ((PtValue.StrValue) ((DictValue) r).get("name")).value();
        if (name.equals("scalar int64") || name.equals("scalar bool")) {
          groups.put(name, RecordInfos.extract(r, cfg, 0, "numpy_values.pt#0").group());
        }
      }
    }
    assertEquals("7", groups.get("scalar int64"));
    assertEquals("true", groups.get("scalar bool"));
  }
}
