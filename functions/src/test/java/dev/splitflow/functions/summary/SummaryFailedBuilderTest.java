package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FAILED summary's builder gives exactly the summary, and the JSON, of the positional form. */
class SummaryFailedBuilderTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");

  @Test
  void namedFieldsMakeTheRecordWithNoOutputAndNoLineage() {
    Summary.Timings t = Summary.Timings.of(T0, T0.plusSeconds(5), T0.plusSeconds(60));
    Summary positional =
        new Summary(
            "sf-1",
            "gs://d/",
            "gs://d/split/",
            Summary.FAILED,
            "job",
            "why",
            "j-1",
            "name",
            "url",
            List.of(),
            List.of(),
            Summary.Lineage.NONE,
            List.of(),
            t);
    Summary built =
        Summary.failedBuilder()
            .runId("sf-1")
            .dataset("gs://d/")
            .output("gs://d/split/")
            .stage("job")
            .reason("why")
            .job("j-1", "name", "url")
            .timings(t)
            .build();
    assertEquals(positional, built);
    assertArrayEquals(positional.toJson(), built.toJson());
  }

  @Test
  void unsetTextIsEmpty() {
    Summary built =
        Summary.failedBuilder()
            .runId("sf-1")
            .stage("launch")
            .reason("why")
            .timings(Summary.Timings.of(T0, null, T0))
            .build();
    assertEquals("", built.jobId());
    assertEquals("", built.jobName());
    assertEquals("", built.where());
    assertEquals("", built.dataset());
    assertEquals(Summary.FAILED, built.status());
  }
}
