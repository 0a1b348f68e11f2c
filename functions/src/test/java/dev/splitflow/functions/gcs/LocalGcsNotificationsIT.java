package dev.splitflow.functions.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.pubsub.v1.PubsubMessage;
import dev.splitflow.functions.events.ObjectEvent;
import dev.splitflow.functions.testing.PubSubEmulator;
import dev.splitflow.localgcs.LocalGcs;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local storage service's bucket notifications, read from the real Pub/Sub emulator: Cloud
 * Storage's attributes and object-resource payload, filtered by object-name prefix.
 */
class LocalGcsNotificationsIT {
  @RegisterExtension static final PubSubEmulator PUBSUB = new PubSubEmulator();
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void finalizeAndDeleteUnderThePrefixArePublishedInCloudStoragesFormat() throws Exception {
    String topic = PUBSUB.createTopic("p", "markers");
    PUBSUB.createSubscription("p", "sub-1", "markers");
    try (LocalGcs gcs = LocalGcs.start(dir, "127.0.0.1", 0, PUBSUB.hostPort())) {
      gcs.createBucket("data");
      gcs.notifications()
          .add(
              "data",
              topic,
              "datasets/",
              List.of("OBJECT_FINALIZE", "OBJECT_DELETE"),
              "JSON_API_V1",
              Map.of("splitflow-kind", "marker"));
      Storage storage =
          StorageOptions.newBuilder()
              .setHost(gcs.url())
              .setProjectId("p")
              .setCredentials(NoCredentials.getInstance())
              .build()
              .getService();
      storage.create(BlobInfo.newBuilder("data", "elsewhere/x").build(), new byte[] {1});
      Blob first =
          storage.create(
              BlobInfo.newBuilder("data", "datasets/a/_BATCHES_COMPLETE").build(), new byte[0]);
      Blob second =
          storage.create(
              BlobInfo.newBuilder("data", "datasets/a/_BATCHES_COMPLETE").build(),
              new byte[] {'{', '}'});
      storage.delete(BlobId.of("data", "datasets/a/_BATCHES_COMPLETE"));

      // Nothing outside datasets/ and one message per event, proven by count rather than by a
      // quiet wait: once the service has no message left to send, the emulator has accepted
      // exactly published() from it, and the subscription (made before any change) holds those.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (gcs.notifications().pending() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20); // waiting for the sender to finish, not for silence
      }
      assertEquals(0, gcs.notifications().pending(), "messages still unsent after 30 s");
      assertEquals(4, gcs.notifications().published(), "messages the emulator accepted");
      List<PubsubMessage> got = PUBSUB.pull("p", "sub-1", 4, Duration.ofSeconds(30));
      List<String> events =
          got.stream()
              .map(
                  m ->
                      m.getAttributesOrThrow("eventType")
                          + "#"
                          + m.getAttributesOrThrow("objectGeneration"))
              .toList();
      assertEquals(
          List.of(
              "OBJECT_FINALIZE#" + first.getGeneration(),
              "OBJECT_DELETE#" + first.getGeneration(),
              "OBJECT_FINALIZE#" + second.getGeneration(),
              "OBJECT_DELETE#" + second.getGeneration()),
          events,
          "nothing outside datasets/, one message per event, in order");

      PubsubMessage m = got.get(0);
      assertEquals("data", m.getAttributesOrThrow("bucketId"));
      assertEquals("datasets/a/_BATCHES_COMPLETE", m.getAttributesOrThrow("objectId"));
      assertEquals("JSON_API_V1", m.getAttributesOrThrow("payloadFormat"));
      assertEquals("marker", m.getAttributesOrThrow("splitflow-kind"));
      assertTrue(
          m.getAttributesOrThrow("notificationConfig")
              .startsWith("projects/_/buckets/data/notificationConfigs/"));
      Instant.parse(m.getAttributesOrThrow("eventTime"));
      JsonNode object = JSON.readTree(m.getData().toByteArray());
      assertEquals("datasets/a/_BATCHES_COMPLETE", object.path("name").asText());
      assertEquals(Long.toString(first.getGeneration()), object.path("generation").asText());
      assertEquals("0", object.path("size").asText());
      assertEquals(
          Long.toString(first.getGeneration()),
          got.get(2).getAttributesOrThrow("overwroteGeneration"));
      assertEquals(
          Long.toString(second.getGeneration()),
          got.get(1).getAttributesOrThrow("overwrittenByGeneration"));

      // The launch function reads exactly this message, pushed as Eventarc pushes it.
      var push = JSON.createObjectNode();
      var msg = push.putObject("message");
      msg.put("data", Base64.getEncoder().encodeToString(m.getData().toByteArray()));
      msg.put("messageId", m.getMessageId());
      msg.put("publishTime", Instant.now().toString());
      var attrs = msg.putObject("attributes");
      m.getAttributesMap().forEach(attrs::put);
      push.put("subscription", "projects/p/subscriptions/s");
      CloudEvent ce =
          CloudEventBuilder.v1()
              .withId("1")
              .withType(ObjectEvent.PUBSUB_PUBLISHED)
              .withSource(URI.create("//pubsub.googleapis.com/" + topic))
              .withTime(OffsetDateTime.now())
              .withData("application/json", JSON.writeValueAsBytes(push))
              .build();
      ObjectEvent e = ObjectEvent.from(ce).orElseThrow();
      assertEquals("datasets/a/_BATCHES_COMPLETE", e.name());
      assertEquals(first.getGeneration(), e.generation());
    }
  }
}
