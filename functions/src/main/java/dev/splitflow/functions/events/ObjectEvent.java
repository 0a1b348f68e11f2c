package dev.splitflow.functions.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Optional;

/**
 * A Cloud Storage object finalize, from either shape it reaches a function in: a direct Eventarc
 * storage event (data = the object) or a Pub/Sub message of a bucket notification (attributes
 * {@code bucketId}, {@code objectId}, {@code objectGeneration}, {@code eventType}).
 *
 * @param bucket the bucket
 * @param name the object name
 * @param generation the object's generation; with bucket and name, the dedupe key of a delivery
 * @param time when the object was finalized (the event's age is measured from here)
 * @param eventId the CloudEvent id, for log lines
 */
public record ObjectEvent(
    String bucket, String name, long generation, Instant time, String eventId) {

  public static final String STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized";
  public static final String PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished";

  /**
   * Reads the event; empty when it is a well-formed event of another kind (a notification of
   * another event type, e.g. OBJECT_DELETE), which the function ignores.
   *
   * @throws EventException when it claims to be one of ours but cannot be read
   */
  public static Optional<ObjectEvent> from(CloudEvent e) {
    String type = e.getType();
    if (!STORAGE_FINALIZED.equals(type) && !PUBSUB_PUBLISHED.equals(type)) {
      return Optional.empty();
    }
    JsonNode data = data(e);
    Instant ceTime = e.getTime() == null ? null : e.getTime().toInstant();
    if (STORAGE_FINALIZED.equals(type)) {
      String bucket = text(data, "bucket", e);
      String name = text(data, "name", e);
      long generation = number(data.get("generation"), "generation", e);
      Instant time = ceTime != null ? ceTime : instant(data.get("timeCreated"), e);
      if (time == null) {
        throw new EventException("event " + e.getId() + ": no time and no timeCreated");
      }
      return Optional.of(new ObjectEvent(bucket, name, generation, time, e.getId()));
    }
    if (PUBSUB_PUBLISHED.equals(type)) {
      JsonNode message = data.path("message");
      JsonNode attrs = message.path("attributes");
      if (!message.isObject() || !attrs.isObject()) {
        throw new EventException(
            "event "
                + e.getId()
                + ": Pub/Sub message without attributes; is this topic fed by a"
                + " Cloud Storage notification?");
      }
      String eventType = attrs.path("eventType").asText("");
      if (!eventType.equals("OBJECT_FINALIZE")) {
        if (eventType.isEmpty()) {
          throw new EventException(
              "event "
                  + e.getId()
                  + ": Pub/Sub message has no eventType attribute; is this topic"
                  + " fed by a Cloud Storage notification?");
        }
        return Optional.empty();
      }
      String bucket = text(attrs, "bucketId", e);
      String name = text(attrs, "objectId", e);
      long generation = number(attrs.get("objectGeneration"), "objectGeneration", e);
      Instant time =
          attrs.hasNonNull("eventTime")
              ? instant(attrs.get("eventTime"), e)
              : message.hasNonNull("publishTime") ? instant(message.get("publishTime"), e) : ceTime;
      if (time == null) {
        throw new EventException("event " + e.getId() + ": no eventTime, publishTime or time");
      }
      return Optional.of(new ObjectEvent(bucket, name, generation, time, e.getId()));
    }
    return Optional.empty();
  }

  /** The object as a URI, for log lines. */
  public String uri() {
    return "gs://" + bucket + "/" + name + "#" + generation;
  }

  static JsonNode data(CloudEvent e) {
    if (e.getData() == null) {
      throw new EventException("event " + e.getId() + " (" + e.getType() + ") has no data");
    }
    try {
      // Lenient on purpose: the payload is Google's (Cloud Storage or Dataflow), read as a tree for
      // the few fields used; what Google's own JSON accepts must not drop an event here.
      JsonNode n = Json.lenientReader().readTree(e.getData().toBytes());
      if (n == null || !n.isObject()) {
        throw new EventException("event " + e.getId() + ": data is not a JSON object");
      }
      return n;
    } catch (IOException ex) {
      throw new EventException(
          "event " + e.getId() + ": data is not JSON (" + ex.getMessage() + ")");
    }
  }

  /** Decodes a Pub/Sub message body ({@code message.data}, base64). */
  public static byte[] messageBody(CloudEvent e) {
    String b64 = data(e).path("message").path("data").asText("");
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException ex) {
      throw new EventException(
          "event " + e.getId() + ": message.data is not base64 (" + ex.getMessage() + ")");
    }
  }

  private static String text(JsonNode n, String field, CloudEvent e) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new EventException(
          "event "
              + e.getId()
              + " ("
              + e.getType()
              + "): expected a string '"
              + field
              + "', found "
              + (v == null ? "nothing" : v.toString()));
    }
    return v.asText();
  }

  /** int64 fields arrive as JSON strings; accept numbers too. */
  private static long number(JsonNode v, String field, CloudEvent e) {
    try {
      if (v != null && (v.isIntegralNumber() || v.isTextual())) {
        return Long.parseLong(v.asText());
      }
    } catch (NumberFormatException ignored) {
      // fall through to the error below
    }
    throw new EventException(
        "event "
            + e.getId()
            + " ("
            + e.getType()
            + "): expected an integer '"
            + field
            + "', found "
            + (v == null ? "nothing" : v.toString()));
  }

  private static Instant instant(JsonNode v, CloudEvent e) {
    if (v == null || !v.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(v.asText());
    } catch (DateTimeParseException ex) {
      throw new EventException("event " + e.getId() + ": bad timestamp " + v);
    }
  }
}
