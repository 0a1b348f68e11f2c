package dev.splitflow.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splitflow.json.JsonStrings.Escape;
import org.junit.jupiter.api.Test;

/** Both escaping rules, character class by character class. */
class JsonStringsTest {
  static final String TEXT =
      "q\" b\\ n\n r\r t\t b\b f\f c\u0001 del\u007f e\u00e9 eur\u20ac smile\ud83d\ude00"
          + " lone\ud800 low\udc00.";

  @Test
  void unicodeKeepsTextAndEscapesOnlyQuotesBackslashesControlsAndLoneSurrogates() {
    assertEquals(
        "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f c\\u0001 del\u007f e\u00e9 eur\u20ac"
            + " smile\ud83d\ude00 lone\\ud800 low\\udc00.\"",
        JsonStrings.quote(TEXT, Escape.UNICODE));
  }

  @Test
  void printableAsciiEscapesEveryOtherUnitAsHex() {
    assertEquals(
        "\"q\\\" b\\\\ n\\n r\\r t\\t b\\u0008 f\\u000c c\\u0001 del\\u007f e\\u00e9"
            + " eur\\u20ac smile\\ud83d\\ude00 lone\\ud800 low\\udc00.\"",
        JsonStrings.quote(TEXT, Escape.PRINTABLE_ASCII));
  }

  @Test
  void bothRulesReadBackToTheSameString() throws Exception {
    String valid = TEXT.replace("\ud800", "").replace("\udc00", "");
    for (Escape e : Escape.values()) {
      assertEquals(
          valid, Json.MAPPER.readValue(JsonStrings.quote(valid, e), String.class), e.name());
    }
  }

  @Test
  void appendsToWhatIsThere() {
    StringBuilder sb = new StringBuilder("x: ");
    JsonStrings.quote(sb, "", Escape.UNICODE);
    assertEquals("x: \"\"", sb.toString());
  }
}
