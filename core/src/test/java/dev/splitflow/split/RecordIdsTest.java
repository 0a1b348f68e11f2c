package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordIdsTest {
  private static DictValue record(String key, PtValue v) {
    Map<String, PtValue> m = new LinkedHashMap<>();
    m.put("view_position", StrValue.of("PA"));
    if (key != null) {
      m.put(key, v);
    }
    return DictValue.of(m);
  }

  /** Golden values from Python: hmac.new(key, value, sha256).hexdigest()[:16]. */
  @Test
  void hashesAreKeyedHmacSha256OfTheValueText() {
    RecordIds ids = new RecordIds("study_id", 42);
    assertEquals(
        "ee6f11ef36b5368b",
        RecordIds.hex(ids.of(record("study_id", StrValue.of("s00000001")), "b.pt#0")));
    // An int id has the text of its decimal, as for strata; the seed is part of the key.
    assertEquals(
        "3e01a9a492abd494",
        RecordIds.hex(
            new RecordIds("study_id", -7).of(record("study_id", IntValue.of(12345)), "b.pt#1")));
  }

  @Test
  void aMissingOrNoneIdIsAnErrorNamingTheRecord() {
    RecordIds ids = new RecordIds("study_id", 42);
    SplitException e =
        assertThrows(SplitException.class, () -> ids.of(record(null, null), "batch_3.pt#17"));
    assertEquals(
        "batch_3.pt#17: id field 'study_id' is missing; the record has fields view_position",
        e.getMessage());
    e =
        assertThrows(
            SplitException.class,
            () -> ids.of(record("study_id", NoneValue.NONE), "batch_3.pt#18"));
    assertEquals(
        "batch_3.pt#18: id field 'study_id' is None; every record needs an id to be tracked",
        e.getMessage());
  }
}
