package dev.splitflow.functions.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log lines: one compact JSON object each, written by the core mapper, fields in a fixed order. */
class LogTest {
  @Test
  void eachEntryIsOneCompactJsonLine() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Log log = new Log("verify", new PrintStream(bytes, true, StandardCharsets.UTF_8));
    log.warn("sf-1", "a \"quoted\"\nsecond line, caf\u00e9");
    log.info(null, "no run");
    log.error("sf-2", "x");
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            "{\"severity\":\"WARNING\",\"component\":\"verify\",\"run_id\":\"sf-1\","
                + "\"message\":\"a \\\"quoted\\\"\\nsecond line, caf\u00e9\"}",
            "{\"severity\":\"INFO\",\"component\":\"verify\",\"message\":\"no run\"}",
            "{\"severity\":\"ERROR\",\"component\":\"verify\",\"run_id\":\"sf-2\",\"message\":\"x\"}"),
        lines);
    JsonNode first = Json.readTree(lines.get(0));
    assertEquals("a \"quoted\"\nsecond line, caf\u00e9", first.get("message").asText());
  }
}
