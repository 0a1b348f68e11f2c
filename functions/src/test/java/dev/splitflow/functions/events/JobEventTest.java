package dev.splitflow.functions.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.functions.launch.LaunchRequest;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LABEL = LaunchRequest.RUN_LABEL;
  private static final OffsetDateTime CE_TIME = OffsetDateTime.parse("2026-03-04T05:06:07Z");

  /** A Job as Dataflow puts it into {@code JobEventData.payload}. */
  private static ObjectNode job(String state) {
    ObjectNode j = JSON.createObjectNode();
    j.put("id", "2026-03-04_05_00_00-1234567890123456789");
    j.put("name", "splitflow-datasets-cxr-0123456789abcdef0123");
    j.put("projectId", "my-project");
    j.put("location", "europe-west4");
    j.put("type", "JOB_TYPE_BATCH");
    j.put("currentState", state);
    j.put("currentStateTime", "2026-03-04T05:06:00.250Z");
    j.put("createTime", "2026-03-04T05:00:00Z");
    j.put("startTime", "2026-03-04T05:00:00Z");
    ObjectNode labels = j.putObject("labels");
    labels.put("goog-dataflow-provided-template-type", "flex");
    labels.put(LABEL, "sf-0123456789abcdef0123");
    labels.put("team", "ml");
    return j;
  }

  private static ObjectNode payload(ObjectNode job) {
    ObjectNode d = JSON.createObjectNode();
    d.set("payload", job);
    d.put("@type", "type.googleapis.com/google.events.cloud.dataflow.v1beta3.JobEventData");
    return d;
  }

  private static CloudEvent event(String id, String data, OffsetDateTime time) {
    CloudEventBuilder b =
        CloudEventBuilder.v1()
            .withId(id)
            .withType(JobEvent.TYPE)
            .withSource(URI.create("//dataflow.googleapis.com/projects/my-project/locations/x"))
            .withSubject("jobs/splitflow-datasets-cxr-0123456789abcdef0123")
            .withExtension("job", "2026-03-04_05_00_00-1234567890123456789");
    if (time != null) {
      b.withTime(time);
    }
    if (data != null) {
      b.withData("application/json", data.getBytes(StandardCharsets.UTF_8));
    }
    return b.build();
  }

  @Test
  void failedJobWithRunLabel() {
    JobEvent j =
        JobEvent.from(event("j-1", payload(job("JOB_STATE_FAILED")).toString(), CE_TIME), LABEL)
            .orElseThrow();
    assertEquals("2026-03-04_05_00_00-1234567890123456789", j.jobId());
    assertEquals("splitflow-datasets-cxr-0123456789abcdef0123", j.jobName());
    assertEquals("JOB_STATE_FAILED", j.state());
    assertEquals("sf-0123456789abcdef0123", j.runId());
    assertEquals(CE_TIME.toInstant(), j.time());
    assertTrue(j.failed());
  }

  @Test
  void cancelledIsFailed() {
    JobEvent j =
        JobEvent.from(event("j-2", payload(job("JOB_STATE_CANCELLED")).toString(), CE_TIME), LABEL)
            .orElseThrow();
    assertTrue(j.failed());
  }

  @Test
  void doneAndRunningAreNotFailed() {
    for (String s :
        new String[] {
          "JOB_STATE_DONE",
          "JOB_STATE_RUNNING",
          "JOB_STATE_PENDING",
          "JOB_STATE_QUEUED",
          "JOB_STATE_CANCELLING",
          "JOB_STATE_DRAINED"
        }) {
      JobEvent j =
          JobEvent.from(event("j-" + s, payload(job(s)).toString(), CE_TIME), LABEL).orElseThrow();
      assertEquals(s, j.state());
      assertFalse(j.failed(), s);
    }
  }

  @Test
  void jobWithoutOurLabelHasNullRunId() {
    ObjectNode job = job("JOB_STATE_FAILED");
    ((ObjectNode) job.get("labels")).remove(LABEL);
    JobEvent j = JobEvent.from(event("j-3", payload(job).toString(), CE_TIME), LABEL).orElseThrow();
    assertNull(j.runId());
    job.remove("labels");
    assertNull(
        JobEvent.from(event("j-4", payload(job).toString(), CE_TIME), LABEL).orElseThrow().runId());
    job.putNull("labels");
    assertNull(
        JobEvent.from(event("j-5", payload(job).toString(), CE_TIME), LABEL).orElseThrow().runId());
  }

  @Test
  void nullLabelValueIsNoRunId() {
    ObjectNode job = job("JOB_STATE_FAILED");
    ((ObjectNode) job.get("labels")).putNull(LABEL);
    assertNull(
        JobEvent.from(event("j-6", payload(job).toString(), CE_TIME), LABEL).orElseThrow().runId());
  }

  @Test
  void payloadlessDataIsReadAsTheJobItself() {
    JobEvent j =
        JobEvent.from(event("j-7", job("JOB_STATE_DONE").toString(), CE_TIME), LABEL).orElseThrow();
    assertEquals("JOB_STATE_DONE", j.state());
    assertEquals("sf-0123456789abcdef0123", j.runId());
  }

  @Test
  void timeFallsBackToCurrentStateTimeThenNow() {
    JobEvent j =
        JobEvent.from(event("j-8", payload(job("JOB_STATE_FAILED")).toString(), null), LABEL)
            .orElseThrow();
    assertEquals(Instant.parse("2026-03-04T05:06:00.250Z"), j.time());

    ObjectNode job = job("JOB_STATE_FAILED");
    job.remove("currentStateTime");
    Instant now = Instant.parse("2031-07-08T09:10:11.123456789Z");
    Clock clock = Clock.fixed(now, ZoneOffset.ofHours(5));
    JobEvent k =
        JobEvent.from(event("j-9", payload(job).toString(), null), LABEL, clock).orElseThrow();
    assertEquals(now, k.time());
    // The clock is the last resort: an event time or a currentStateTime wins over it.
    assertEquals(
        CE_TIME.toInstant(),
        JobEvent.from(event("j-10", payload(job).toString(), CE_TIME), LABEL, clock)
            .orElseThrow()
            .time());
    assertEquals(
        Instant.parse("2026-03-04T05:06:00.250Z"),
        JobEvent.from(
                event("j-11", payload(job("JOB_STATE_FAILED")).toString(), null), LABEL, clock)
            .orElseThrow()
            .time());
  }

  @Test
  void badCurrentStateTimeIsAnEventException() {
    ObjectNode job = job("JOB_STATE_FAILED");
    job.put("currentStateTime", "not a time");
    EventException ex =
        assertThrows(
            EventException.class,
            () -> JobEvent.from(event("j-badtime", payload(job).toString(), null), LABEL));
    assertTrue(ex.getMessage().contains("j-badtime"), ex.getMessage());
    assertTrue(ex.getMessage().contains("currentStateTime"), ex.getMessage());
  }

  @Test
  void missingIdIsAnEventException() {
    ObjectNode job = job("JOB_STATE_FAILED");
    job.remove("id");
    EventException ex =
        assertThrows(
            EventException.class,
            () -> JobEvent.from(event("j-noid", payload(job).toString(), CE_TIME), LABEL));
    assertTrue(ex.getMessage().contains("j-noid"), ex.getMessage());
    assertTrue(ex.getMessage().contains("id"), ex.getMessage());
  }

  @Test
  void missingStateIsAnEventException() {
    ObjectNode job = job("JOB_STATE_FAILED");
    job.remove("currentState");
    EventException ex =
        assertThrows(
            EventException.class,
            () -> JobEvent.from(event("j-nostate", payload(job).toString(), CE_TIME), LABEL));
    assertTrue(ex.getMessage().contains("j-nostate"), ex.getMessage());
    assertTrue(ex.getMessage().contains("currentState"), ex.getMessage());
  }

  @Test
  void noDataOrBadDataIsAnEventException() {
    EventException none =
        assertThrows(
            EventException.class, () -> JobEvent.from(event("j-nd", null, CE_TIME), LABEL));
    assertTrue(none.getMessage().contains("j-nd"), none.getMessage());
    EventException bad =
        assertThrows(
            EventException.class, () -> JobEvent.from(event("j-bad", "{{{", CE_TIME), LABEL));
    assertTrue(bad.getMessage().contains("j-bad"), bad.getMessage());
  }

  @Test
  void otherTypesAreNotJobEvents() {
    CloudEvent storage =
        CloudEventBuilder.v1()
            .withId("s-1")
            .withType(ObjectEvent.STORAGE_FINALIZED)
            .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/b"))
            .withData("application/json", "{\"bucket\":\"b\"}".getBytes(StandardCharsets.UTF_8))
            .build();
    assertEquals(Optional.empty(), JobEvent.from(storage, LABEL));
    CloudEvent noData =
        CloudEventBuilder.v1()
            .withId("s-2")
            .withType("com.example.other")
            .withSource(URI.create("//example.com"))
            .build();
    assertEquals(Optional.empty(), JobEvent.from(noData, LABEL));
  }
}
