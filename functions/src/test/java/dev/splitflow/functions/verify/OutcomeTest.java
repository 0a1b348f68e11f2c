package dev.splitflow.functions.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.events.JobEvent;
import dev.splitflow.functions.runs.RunState;
import dev.splitflow.functions.summary.Summary;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The failed outcomes' summaries and run states: stage, reason and job, each from its source. */
class OutcomeTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final Instant T1 = T0.plusSeconds(90);
  static final Layout LAYOUT =
      new Layout("p", "europe-west4", "data", "datasets/", "_BATCHES_COMPLETE", "split/", "_s/");

  static final RunState LAUNCHED =
      RunState.builder()
          .runId("sf-1")
          .bucket("data")
          .dataset("datasets/cxr/")
          .output("datasets/cxr/split/")
          .status(RunState.Status.LAUNCHED)
          .jobName("splitflow-cxr-1")
          .jobId("job-from-state")
          .jobWhere("https://console/job-from-state")
          .claimedAt(T0)
          .launchedAt(T0.plusSeconds(5))
          .updatedAt(T0.plusSeconds(5))
          .build();

  @Test
  void anUnreadableManifestFailsAtVerifyKeepingTheRunsJob() {
    Outcome o = new Outcome.Unreadable("not a manifest");
    Summary s = o.summary(LAUNCHED, LAYOUT, T1);
    assertEquals(
        Summary.failedBuilder()
            .runId("sf-1")
            .dataset("gs://data/datasets/cxr/")
            .output("gs://data/datasets/cxr/split/")
            .stage("verify")
            .reason("not a manifest")
            .job("job-from-state", "splitflow-cxr-1", "https://console/job-from-state")
            .timings(Summary.Timings.of(T0, T0.plusSeconds(5), T1))
            .build(),
        s);
    RunState next = o.next(LAUNCHED, s, T1);
    assertEquals(RunState.Status.FAILED, next.status());
    assertEquals("verify", next.stage());
    assertEquals("not a manifest", next.reason());
    assertEquals("job-from-state", next.jobId());
    assertNull(o.job());
  }

  @Test
  void anEndedJobFailsAtJobNamingTheEventsJob() {
    JobEvent job =
        new JobEvent("job-from-event", "splitflow-cxr-2", "JOB_STATE_FAILED", "sf-1", T1);
    Outcome o = new Outcome.JobEnded(job, "job ended");
    Summary s = o.summary(LAUNCHED, LAYOUT, T1);
    assertEquals("job", s.stage());
    assertEquals("job ended", s.reason());
    assertEquals("job-from-event", s.jobId());
    assertEquals("splitflow-cxr-2", s.jobName());
    assertEquals("https://console/job-from-state", s.where());
    RunState next = o.next(LAUNCHED, s, T1);
    assertEquals(RunState.Status.FAILED, next.status());
    assertEquals("job", next.stage());
    assertEquals("job-from-event", next.jobId());
    assertEquals(job, o.job());
  }
}
