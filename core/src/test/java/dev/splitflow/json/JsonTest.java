package dev.splitflow.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void theMapperRefusesAKeyGivenTwice() {
    JsonProcessingException e =
        assertThrows(JsonProcessingException.class, () -> Json.readTree("{\"a\": 1, \"a\": 2}"));
    assertTrue(e.getOriginalMessage().contains("Duplicate field 'a'"), e.getOriginalMessage());
    assertThrows(
        JsonProcessingException.class,
        () -> Json.MAPPER.readValue("{\"a\": {\"b\": 1, \"b\": 1}}", Map.class));
  }

  @Test
  void theMapperRefusesContentAfterTheValue() {
    assertThrows(JsonProcessingException.class, () -> Json.readTree("{\"a\": 1} {\"a\": 2}"));
    assertThrows(JsonProcessingException.class, () -> Json.readTree("[1] x"));
    assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readValue("1 2", Integer.class));
  }

  @Test
  void builderMappersAreStrictToo() {
    assertThrows(
        JsonProcessingException.class, () -> Json.builder().build().readTree("{\"a\":1,\"a\":1}"));
    assertThrows(JsonProcessingException.class, () -> Json.builder().build().readTree("{} {}"));
  }

  @Test
  void theLenientReaderTakesWhatAPlainMapperTakes() throws Exception {
    JsonNode n = Json.lenientReader().readTree("{\"a\": 1, \"a\": 2} trailing");
    assertEquals(2, n.path("a").asInt());
  }

  @Test
  void prettyIsJacksonsDefaultLayoutAndCompactHasNoSpaces() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", List.of(1, 2));
    assertEquals("{\n  \"a\" : 1,\n  \"b\" : [ 1, 2 ]\n}", Json.writePretty(m));
    assertEquals("{\"a\":1,\"b\":[1,2]}", Json.write(m));
  }
}
