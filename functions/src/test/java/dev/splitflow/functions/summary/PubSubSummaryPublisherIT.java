package dev.splitflow.functions.summary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.pubsub.v1.PubsubMessage;
import dev.splitflow.functions.testing.PubSubEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The publisher against the real emulator: what goes in comes out, and failures say where. */
class PubSubSummaryPublisherIT {

  private static final String PROJECT = "splitflow-test";

  @RegisterExtension static final PubSubEmulator EMULATOR = new PubSubEmulator();

  @Test
  void messagesRoundTripWithBodyAttributesAndIds() throws Exception {
    String topic = EMULATOR.createTopic(PROJECT, "summaries");
    EMULATOR.createSubscription(PROJECT, "summaries-sub", "summaries");
    assertEquals("projects/" + PROJECT + "/topics/summaries", topic);

    Map<String, byte[]> bodies = new LinkedHashMap<>();
    Map<String, Map<String, String>> attributes = new HashMap<>();
    try (PubSubSummaryPublisher publisher = PubSubSummaryPublisher.create(topic, EMULATOR.env())) {
      assertEquals(topic, publisher.topic());
      for (int i = 0; i < 3; i++) {
        byte[] body =
            ("{\"run\":" + i + ",\"status\":\"ok\",\"note\":\"Ä→✓\"}")
                .getBytes(StandardCharsets.UTF_8);
        Map<String, String> attrs = Map.of("status", i == 1 ? "FAILED" : "OK", "run", "r" + i);
        String id = publisher.publish(body, attrs);
        assertNotNull(id);
        assertFalse(id.isEmpty(), "empty message id");
        assertFalse(bodies.containsKey(id), "duplicate message id " + id);
        bodies.put(id, body);
        attributes.put(id, attrs);
      }
      // Binary bodies and no attributes are legal too.
      byte[] binary = {0, (byte) 0xff, 1, (byte) 0x80, 0};
      String id = publisher.publish(binary, Map.of());
      bodies.put(id, binary);
      attributes.put(id, Map.of());
    }

    List<PubsubMessage> got =
        EMULATOR.pull(PROJECT, "summaries-sub", bodies.size(), Duration.ofSeconds(30));
    List<String> ids = new ArrayList<>();
    for (PubsubMessage message : got) {
      String id = message.getMessageId();
      ids.add(id);
      assertTrue(bodies.containsKey(id), "unexpected message id " + id + " in " + bodies.keySet());
      assertArrayEquals(bodies.get(id), message.getData().toByteArray(), "body of " + id);
      assertEquals(attributes.get(id), message.getAttributesMap(), "attributes of " + id);
    }
    assertEquals(
        bodies.keySet().stream().sorted().toList(),
        ids.stream().sorted().toList(),
        "message ids published vs received");
  }

  @Test
  void publishingToAMissingTopicFailsPromptlyNamingTheTopic() throws Exception {
    String missing = "projects/" + PROJECT + "/topics/no-such-topic";
    try (PubSubSummaryPublisher publisher =
        PubSubSummaryPublisher.create(missing, EMULATOR.env())) {
      IOException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () ->
                  assertThrows(
                      IOException.class,
                      () -> publisher.publish("x".getBytes(StandardCharsets.UTF_8), Map.of())));
      assertTrue(e.getMessage().contains(missing), "message should name the topic: " + e);
      ApiException cause = assertInstanceOf(ApiException.class, e.getCause(), e.toString());
      assertEquals(StatusCode.Code.NOT_FOUND, cause.getStatusCode().getCode(), e.toString());

      // The publisher stays usable once the topic exists (the platform's retry relies on it).
      EMULATOR.createTopic(PROJECT, "no-such-topic");
      assertFalse(publisher.publish(new byte[] {1}, Map.of("a", "b")).isEmpty());
    }
  }

  @Test
  void malformedTopicNamesAreRefusedAtCreate() {
    for (String bad :
        new String[] {
          "summaries",
          "projects/p/topics/",
          "projects//topics/summaries",
          "projects/p/subscriptions/summaries",
          "projects/p/topics/summaries/extra",
          "projects/p/topics/9starts-with-digit",
          " projects/p/topics/summaries"
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> PubSubSummaryPublisher.create(bad, EMULATOR.env()),
              bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), "message should quote the value: " + e);
    }
    assertThrows(
        IllegalArgumentException.class, () -> PubSubSummaryPublisher.create(null, Map.of()));
  }
}
