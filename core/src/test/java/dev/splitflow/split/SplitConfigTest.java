package dev.splitflow.split;

import static dev.splitflow.split.SplitRatiosTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitConfigTest {

  @Test
  void defaults() {
    SplitConfig c = SplitConfig.defaults();
    assertEquals(42, c.seed());
    assertEquals(SplitRatios.DEFAULT, c.ratios());
    assertEquals(List.of("view_position", "has:clinical_features"), c.strataFields());
    assertNull(c.groupBy());
    assertFalse(c.groupMode());
    assertEquals(50, c.chunkSize());
  }

  @Test
  void withersChangeOneValue() {
    SplitConfig c =
        SplitConfig.defaults()
            .withSeed(7)
            .withRatios(SplitRatios.parse("0.8,0.1,0.1"))
            .withStrataFields(List.of("has:x"))
            .withGroupBy("subject_id")
            .withChunkSize(3);
    assertEquals(
        new SplitConfig(7, new SplitRatios(0.8, 0.1, 0.1), List.of("has:x"), "subject_id", 3), c);
    assertTrue(c.groupMode());
    assertNull(c.withGroupBy(null).groupBy());
  }

  @Test
  void strataFieldsAreCopied() {
    List<String> fields = new ArrayList<>(List.of("a"));
    SplitConfig c = SplitConfig.defaults().withStrataFields(fields);
    fields.add("b");
    assertEquals(List.of("a"), c.strataFields());
    assertThrows(UnsupportedOperationException.class, () -> c.strataFields().add("x"));
  }

  @Test
  void rejectsBadValues() {
    assertMessage(
        "chunk size must be at least 1, got 0", () -> SplitConfig.defaults().withChunkSize(0));
    assertMessage(
        "strata field 'has:'", () -> SplitConfig.defaults().withStrataFields(List.of("has:")));
    assertMessage("strata field ' '", () -> SplitConfig.defaults().withStrataFields(List.of(" ")));
    assertMessage(
        "strata field 'a' is listed twice",
        () -> SplitConfig.defaults().withStrataFields(List.of("a", "has:a", "a")));
    assertMessage(
        "group-by field must be a field name", () -> SplitConfig.defaults().withGroupBy(""));
  }

  @Test
  void noStrataFieldsIsOneStratum() {
    assertEquals(List.of(), SplitConfig.defaults().withStrataFields(List.of()).strataFields());
  }
}
