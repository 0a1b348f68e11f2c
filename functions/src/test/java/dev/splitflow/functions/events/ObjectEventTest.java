package dev.splitflow.functions.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObjectEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUCKET = "my-data";
  private static final String NAME = "datasets/cxr/_BATCHES_COMPLETE";
  private static final long GENERATION = 1700000000123456L;
  private static final OffsetDateTime CE_TIME = OffsetDateTime.parse("2026-01-02T03:04:05Z");

  /** The object resource as Cloud Storage writes it: int64 fields are JSON strings. */
  private static ObjectNode object() {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", "storage#object");
    o.put("id", BUCKET + "/" + NAME + "/" + GENERATION);
    o.put("selfLink", "https://www.googleapis.com/storage/v1/b/my-data/o/x");
    o.put("mediaLink", "https://storage.googleapis.com/download/storage/v1/b/my-data/o/x");
    o.put("name", NAME);
    o.put("bucket", BUCKET);
    o.put("generation", Long.toString(GENERATION));
    o.put("metageneration", "1");
    o.put("contentType", "application/json");
    o.put("timeCreated", "2026-01-02T03:04:00.123Z");
    o.put("updated", "2026-01-02T03:04:00.123Z");
    o.put("storageClass", "STANDARD");
    o.put("size", "0");
    o.put("md5Hash", "1B2M2Y8AsgTpgAmY7PhCfg==");
    o.put("crc32c", "AAAAAA==");
    o.put("etag", "CMDy8Jf1/4IDEAE=");
    return o;
  }

  private static CloudEventBuilder base(String id, String type) {
    return CloudEventBuilder.v1()
        .withId(id)
        .withType(type)
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/" + BUCKET));
  }

  private static CloudEvent storageEvent(String id, String data, OffsetDateTime time) {
    CloudEventBuilder b =
        base(id, ObjectEvent.STORAGE_FINALIZED)
            .withSubject("objects/" + NAME)
            .withDataContentType("application/json");
    if (time != null) {
      b.withTime(time);
    }
    if (data != null) {
      b.withData(data.getBytes(StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static ObjectNode attributes(String eventType) {
    ObjectNode a = JSON.createObjectNode();
    a.put("bucketId", BUCKET);
    a.put("objectId", NAME);
    a.put("objectGeneration", Long.toString(GENERATION));
    a.put("eventType", eventType);
    a.put("eventTime", "2026-01-02T03:04:00.123456Z");
    a.put("payloadFormat", "JSON_API_V1");
    a.put("notificationConfig", "projects/_/buckets/" + BUCKET + "/notificationConfigs/7");
    return a;
  }

  /** {@code MessagePublishedData} around a bucket notification. */
  private static ObjectNode messagePublished(ObjectNode attributes) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode m = root.putObject("message");
    m.put(
        "data",
        Base64.getEncoder().encodeToString(object().toString().getBytes(StandardCharsets.UTF_8)));
    if (attributes != null) {
      m.set("attributes", attributes);
    }
    m.put("messageId", "1234567890");
    m.put("message_id", "1234567890");
    m.put("publishTime", "2026-01-02T03:04:01.5Z");
    m.put("publish_time", "2026-01-02T03:04:01.5Z");
    root.put("subscription", "projects/p/subscriptions/eventarc-europe-west4-launch-sub-123");
    return root;
  }

  private static CloudEvent pubsubEvent(String id, String data, OffsetDateTime time) {
    CloudEventBuilder b =
        base(id, ObjectEvent.PUBSUB_PUBLISHED)
            .withSource(URI.create("//pubsub.googleapis.com/projects/p/topics/markers"))
            .withDataContentType("application/json");
    if (time != null) {
      b.withTime(time);
    }
    if (data != null) {
      b.withData(data.getBytes(StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static EventException fails(CloudEvent e, String... mentions) {
    EventException ex = assertThrows(EventException.class, () -> ObjectEvent.from(e));
    assertTrue(
        ex.getMessage().contains(e.getId()), "message names the event id: " + ex.getMessage());
    for (String m : mentions) {
      assertTrue(ex.getMessage().contains(m), "message mentions " + m + ": " + ex.getMessage());
    }
    return ex;
  }

  // ---- direct Eventarc storage events

  @Test
  void directStorageEvent() {
    CloudEvent e = storageEvent("ev-1", object().toString(), CE_TIME);
    ObjectEvent o = ObjectEvent.from(e).orElseThrow();
    assertEquals(BUCKET, o.bucket());
    assertEquals(NAME, o.name());
    assertEquals(GENERATION, o.generation());
    assertEquals(CE_TIME.toInstant(), o.time());
    assertEquals("ev-1", o.eventId());
    assertEquals("gs://my-data/datasets/cxr/_BATCHES_COMPLETE#1700000000123456", o.uri());
  }

  @Test
  void directStorageEventAcceptsNumericGeneration() {
    ObjectNode data = object();
    data.put("generation", GENERATION);
    assertEquals(
        GENERATION,
        ObjectEvent.from(storageEvent("ev-n", data.toString(), CE_TIME))
            .orElseThrow()
            .generation());
  }

  @Test
  void directStorageEventWithoutCloudEventTimeUsesTimeCreated() {
    CloudEvent e = storageEvent("ev-2", object().toString(), null);
    assertEquals(
        Instant.parse("2026-01-02T03:04:00.123Z"), ObjectEvent.from(e).orElseThrow().time());
  }

  @Test
  void directStorageEventWithNoTimeAtAllIsRejected() {
    ObjectNode data = object();
    data.remove("timeCreated");
    fails(storageEvent("ev-notime", data.toString(), null), "timeCreated");
  }

  @Test
  void directStorageEventWithBadTimeCreated() {
    ObjectNode data = object();
    data.put("timeCreated", "yesterday");
    fails(storageEvent("ev-badtime", data.toString(), null), "yesterday");
  }

  @Test
  void storageEventWithoutData() {
    fails(storageEvent("ev-nodata", null, CE_TIME), "no data");
  }

  @Test
  void storageEventWithNonJsonData() {
    fails(storageEvent("ev-notjson", "this is not json {", CE_TIME), "not JSON");
  }

  @Test
  void storageEventWithJsonThatIsNotAnObject() {
    fails(storageEvent("ev-array", "[1,2,3]", CE_TIME), "not a JSON object");
    fails(storageEvent("ev-string", "\"x\"", CE_TIME), "not a JSON object");
  }

  @Test
  void storageEventWithoutName() {
    ObjectNode data = object();
    data.remove("name");
    fails(storageEvent("ev-noname", data.toString(), CE_TIME), "'name'", "found nothing");
  }

  @Test
  void storageEventWithEmptyOrNonTextName() {
    ObjectNode data = object();
    data.put("name", "");
    fails(storageEvent("ev-emptyname", data.toString(), CE_TIME), "'name'");
    data.put("name", 17);
    fails(storageEvent("ev-numname", data.toString(), CE_TIME), "'name'", "17");
  }

  @Test
  void storageEventWithoutBucket() {
    ObjectNode data = object();
    data.remove("bucket");
    fails(storageEvent("ev-nobucket", data.toString(), CE_TIME), "'bucket'");
  }

  @Test
  void storageEventWithNonNumericGeneration() {
    ObjectNode data = object();
    data.put("generation", "17x");
    fails(storageEvent("ev-gen", data.toString(), CE_TIME), "'generation'", "17x");
    data.put("generation", 1.5);
    fails(storageEvent("ev-gen2", data.toString(), CE_TIME), "'generation'");
    data.remove("generation");
    fails(storageEvent("ev-gen3", data.toString(), CE_TIME), "'generation'", "nothing");
  }

  // ---- Pub/Sub bucket notifications

  @Test
  void pubsubNotification() {
    CloudEvent e =
        pubsubEvent("ps-1", messagePublished(attributes("OBJECT_FINALIZE")).toString(), CE_TIME);
    ObjectEvent o = ObjectEvent.from(e).orElseThrow();
    assertEquals(BUCKET, o.bucket());
    assertEquals(NAME, o.name());
    assertEquals(GENERATION, o.generation());
    // The notification's eventTime, not the CloudEvent's time.
    assertEquals(Instant.parse("2026-01-02T03:04:00.123456Z"), o.time());
    assertEquals("ps-1", o.eventId());
  }

  @Test
  void pubsubNotificationBodyDecodes() throws Exception {
    CloudEvent e =
        pubsubEvent("ps-body", messagePublished(attributes("OBJECT_FINALIZE")).toString(), CE_TIME);
    assertEquals(object(), JSON.readTree(ObjectEvent.messageBody(e)));
  }

  @Test
  void pubsubMessageWithBadBase64IsAnEventException() {
    ObjectNode data = messagePublished(attributes("OBJECT_FINALIZE"));
    ((ObjectNode) data.get("message")).put("data", "%%% not base64 %%%");
    // from() reads only the attributes; the body is decoded on demand.
    assertEquals(
        NAME,
        ObjectEvent.from(pubsubEvent("ps-b64", data.toString(), CE_TIME)).orElseThrow().name());
    EventException ex =
        assertThrows(
            EventException.class,
            () -> ObjectEvent.messageBody(pubsubEvent("ps-b64", data.toString(), CE_TIME)));
    assertTrue(ex.getMessage().contains("ps-b64"), ex.getMessage());
  }

  @Test
  void pubsubWithoutEventTimeFallsBackToPublishTimeThenCloudEventTime() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.remove("eventTime");
    ObjectNode data = messagePublished(attrs);
    assertEquals(
        Instant.parse("2026-01-02T03:04:01.5Z"),
        ObjectEvent.from(pubsubEvent("ps-2", data.toString(), CE_TIME)).orElseThrow().time());
    ((ObjectNode) data.get("message")).remove("publishTime");
    assertEquals(
        CE_TIME.toInstant(),
        ObjectEvent.from(pubsubEvent("ps-3", data.toString(), CE_TIME)).orElseThrow().time());
    fails(pubsubEvent("ps-4", data.toString(), null), "eventTime");
  }

  @Test
  void objectDeleteNotificationIsIgnored() {
    CloudEvent e =
        pubsubEvent("ps-del", messagePublished(attributes("OBJECT_DELETE")).toString(), CE_TIME);
    assertEquals(Optional.empty(), ObjectEvent.from(e));
    CloudEvent meta =
        pubsubEvent(
            "ps-meta", messagePublished(attributes("OBJECT_METADATA_UPDATE")).toString(), CE_TIME);
    assertEquals(Optional.empty(), ObjectEvent.from(meta));
  }

  @Test
  void ignoredNotificationNeedsNoObjectFields() {
    ObjectNode attrs = JSON.createObjectNode();
    attrs.put("eventType", "OBJECT_ARCHIVE");
    assertEquals(
        Optional.empty(),
        ObjectEvent.from(pubsubEvent("ps-arch", messagePublished(attrs).toString(), CE_TIME)));
  }

  @Test
  void pubsubMessageWithoutAttributes() {
    fails(
        pubsubEvent("ps-noattr", messagePublished(null).toString(), CE_TIME), "without attributes");
  }

  @Test
  void pubsubDataWithoutMessage() {
    fails(pubsubEvent("ps-nomsg", "{\"subscription\":\"s\"}", CE_TIME), "attributes");
    fails(pubsubEvent("ps-strmsg", "{\"message\":\"hello\"}", CE_TIME), "attributes");
  }

  @Test
  void pubsubMessageWithoutEventType() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.remove("eventType");
    fails(pubsubEvent("ps-notype", messagePublished(attrs).toString(), CE_TIME), "eventType");
  }

  @Test
  void pubsubFinalizeWithoutObjectId() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.remove("objectId");
    fails(pubsubEvent("ps-noid", messagePublished(attrs).toString(), CE_TIME), "'objectId'");
  }

  @Test
  void pubsubFinalizeWithoutBucketId() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.remove("bucketId");
    fails(pubsubEvent("ps-nobucket", messagePublished(attrs).toString(), CE_TIME), "'bucketId'");
  }

  @Test
  void pubsubFinalizeWithNonNumericGeneration() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.put("objectGeneration", "latest");
    fails(
        pubsubEvent("ps-gen", messagePublished(attrs).toString(), CE_TIME),
        "'objectGeneration'",
        "latest");
  }

  @Test
  void pubsubFinalizeWithBadEventTime() {
    ObjectNode attrs = attributes("OBJECT_FINALIZE");
    attrs.put("eventTime", "02/01/2026");
    fails(pubsubEvent("ps-time", messagePublished(attrs).toString(), CE_TIME), "02/01/2026");
  }

  @Test
  void pubsubWithoutData() {
    fails(pubsubEvent("ps-nodata", null, CE_TIME), "no data");
  }

  @Test
  void pubsubWithNonJsonData() {
    fails(pubsubEvent("ps-notjson", "<xml/>", CE_TIME), "not JSON");
  }

  // ---- other types

  @Test
  void unrelatedTypesAreIgnored() {
    for (String type :
        new String[] {
          "google.cloud.storage.object.v1.deleted",
          "google.cloud.storage.object.v1.archived",
          "google.cloud.storage.object.v1.metadataUpdated",
          "google.cloud.dataflow.job.v1beta3.statusChanged",
          "com.example.something"
        }) {
      CloudEvent e =
          base("other", type).withData("application/json", object().toString().getBytes()).build();
      assertEquals(Optional.empty(), ObjectEvent.from(e), type);
    }
  }

  @Test
  void unrelatedTypesAreIgnoredWhateverTheirData() {
    // Not ours: ignored (one INFO line in the functions), not an unreadable event of ours.
    CloudEvent garbage =
        base("other-garbage", "com.example.something")
            .withData("text/plain", "hello".getBytes(StandardCharsets.UTF_8))
            .build();
    assertEquals(Optional.empty(), ObjectEvent.from(garbage));
    CloudEvent noData = base("other-nodata", "com.example.something").build();
    assertEquals(Optional.empty(), ObjectEvent.from(noData));
  }

  @Test
  void bytesAreReadAsUtf8() {
    ObjectNode data = object();
    data.put("name", "datasets/données/_BATCHES_COMPLETE");
    ObjectEvent o =
        ObjectEvent.from(storageEvent("ev-utf8", data.toString(), CE_TIME)).orElseThrow();
    assertEquals("datasets/données/_BATCHES_COMPLETE", o.name());
  }
}
