package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The summary's bytes, pinned: {@code summaries-before-databind.jsonl} was written by the
 * hand-built tree writer the databind record replaced (succeeded, failed checks, an extension,
 * every failed stage, nothing known), so the record must write the same bytes in the same field
 * order.
 */
class SummaryBytesTest {
  @Test
  void writesTheBytesTheTreeWriterWrote() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (Summary s :
        new Summary[] {
          SummaryTest.succeeded(),
          SummaryTest.verifyFailed(),
          SummaryLineageTest.extensionSucceeded(),
          SummaryTest.failedAt("marker"),
          SummaryTest.failedAt("indices"),
          SummaryTest.failedAt("launch"),
          SummaryTest.failedAt("job"),
          SummaryTest.failedAt("verify"),
          Summary.failedBuilder()
              .runId("sf-x")
              .timings(Summary.Timings.of(null, null, SummaryTest.FINISHED))
              .build()
        }) {
      sb.append(new String(s.toJson(), StandardCharsets.UTF_8)).append('\n');
    }
    assertEquals(golden(), sb.toString());
  }

  private static String golden() throws Exception {
    try (InputStream in =
        SummaryBytesTest.class.getResourceAsStream("/summary/summaries-before-databind.jsonl")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
