package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The indices file is read by the core mapper: one JSON value, no key given twice. */
class IndicesJsonStrictTest {
  @Test
  void aKeyGivenTwiceIsRefused() {
    String good = IndicesFileTest.file(false).toJson();
    String twice = good.replaceFirst("\\{\n", "{\n  \"train\": [],\n");
    SplitException e = assertThrows(SplitException.class, () -> IndicesFile.parse(twice, "x.json"));
    assertTrue(e.getMessage().startsWith("x.json: not valid JSON"), e.getMessage());
    assertTrue(e.getMessage().contains("train"), e.getMessage());
  }

  @Test
  void contentAfterTheObjectIsRefused() {
    String good = IndicesFileTest.file(false).toJson();
    SplitException e =
        assertThrows(SplitException.class, () -> IndicesFile.parse(good + "{}", "x.json"));
    assertTrue(e.getMessage().startsWith("x.json: not valid JSON"), e.getMessage());
  }
}
