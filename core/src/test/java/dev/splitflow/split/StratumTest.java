package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StratumTest {

  @Test
  void keyJoinsPairsInOrder() {
    Stratum s =
        Stratum.of(List.of("view_position", "has:clinical_features"), List.of("PA", "true"));
    assertEquals("view_position=PA|has:clinical_features=true", s.key());
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("view_position", "PA");
    expected.put("has:clinical_features", "true");
    assertEquals(expected, s.fields());
    assertEquals(
        List.of("view_position", "has:clinical_features"), new ArrayList<>(s.fields().keySet()));
    assertEquals(s, Stratum.of(expected));
    assertEquals("", Stratum.of(List.of(), List.of()).key());
    assertEquals(Map.of(), Stratum.of(List.of(), List.of()).fields());
  }

  @Test
  void escapingKeepsKeysUnambiguous() {
    // Without escaping both would be "a=b|c=d".
    Stratum one = Stratum.of(List.of("a"), List.of("b|c=d"));
    Stratum two = Stratum.of(List.of("a", "c"), List.of("b", "d"));
    assertEquals("a=b\\|c\\=d", one.key());
    assertNotEquals(one, two);
    assertEquals(Map.of("a", "b|c=d"), one.fields());
    Stratum slash = Stratum.of(List.of("x\\"), List.of("\\"));
    assertEquals("x\\\\=\\\\", slash.key());
    for (Stratum s : List.of(one, two, slash)) {
      assertEquals(s, Stratum.fromKey(s.key()));
      assertEquals(s, Stratum.of(s.fields()));
    }
  }

  @Test
  void fromKeyRejectsWhatOfWouldNotMake() {
    assertThrows(SplitException.class, () -> Stratum.fromKey("a=b|c"));
    assertThrows(SplitException.class, () -> Stratum.fromKey("a=b\\"));
    assertThrows(SplitException.class, () -> Stratum.fromKey("a=b|a=c"));
    assertThrows(SplitException.class, () -> Stratum.fromKey("a=b=c")); // '=' in a value is escaped
  }

  @Test
  void ordersByCodePointsLikePython() {
    // Java's String.compareTo puts U+1F600 (a surrogate pair, 0xD83D...) before U+FFFD.
    Stratum emoji = Stratum.of(List.of("v"), List.of("\ud83d\ude00"));
    Stratum replacement = Stratum.of(List.of("v"), List.of("\ufffd"));
    assertTrue(emoji.key().compareTo(replacement.key()) < 0);
    assertTrue(emoji.compareTo(replacement) > 0);
    assertTrue(
        Stratum.of(List.of("v"), List.of("AP")).compareTo(Stratum.of(List.of("v"), List.of("PA")))
            < 0);
    assertTrue(
        Stratum.of(List.of("v"), List.of("A")).compareTo(Stratum.of(List.of("v"), List.of("AB")))
            < 0);
  }
}
