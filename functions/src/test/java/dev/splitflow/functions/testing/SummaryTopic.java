package dev.splitflow.functions.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.splitflow.localgcs.cloud.PubSubRest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A subscription to the summary topic, read the way the end-to-end tests need: a run's summaries,
 * with "exactly one" proven by state rather than by a quiet wait. The run-state object records the
 * message id of the one summary it published (once it says published, no delivery publishes again),
 * the received message must be that one, and after acking it a pull that does not wait must find
 * the subscription's backlog empty.
 *
 * @param pubsubHost the emulator's {@code host:port}
 * @param subscription {@code projects/P/subscriptions/S}
 * @param storage a client of the data bucket
 * @param bucket the bucket holding the run-state objects
 */
public record SummaryTopic(String pubsubHost, String subscription, Storage storage, String bucket) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the functions keep run state unless configured otherwise. */
  private static final String STATE_PREFIX = "_splitflow/runs/";

  /**
   * The summaries of {@code dataset}: the first to arrive within {@code timeout}, then every other
   * one the subscription holds once that run's record says its summary is published.
   */
  public List<JsonNode> summaries(String dataset, Duration timeout) throws Exception {
    PubSubRest ps = new PubSubRest(pubsubHost);
    List<JsonNode> out = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.isEmpty() && System.nanoTime() < deadline) {
      collect(ps, ps.pull(subscription, 10), dataset, out, ids);
      if (out.isEmpty()) {
        Thread.sleep(200); // waiting for the first summary to arrive, not for silence
      }
    }
    assertFalse(out.isEmpty(), "no summary for " + dataset + " within " + timeout);
    String runId = out.get(0).path("run_id").asText();
    JsonNode recorded = publishedSummary(runId, deadline);
    assertEquals(ids.get(0), recorded.path("message_id").asText(), "run record: " + recorded);
    assertEquals(out.get(0).path("status").asText(), recorded.path("status").asText());
    collect(ps, pullNow(), dataset, out, ids);
    return out;
  }

  /** Adds the summaries among {@code received} to {@code out} and acks them. */
  private void collect(
      PubSubRest ps, JsonNode received, String dataset, List<JsonNode> out, List<String> ids)
      throws IOException {
    List<String> acks = new ArrayList<>();
    for (JsonNode m : received) {
      acks.add(m.path("ackId").asText());
      JsonNode msg = m.path("message");
      assertEquals(dataset, msg.path("attributes").path("dataset").asText());
      JsonNode s = JSON.readTree(Base64.getDecoder().decode(msg.path("data").asText()));
      assertEquals(s.path("status").asText(), msg.path("attributes").path("status").asText());
      out.add(s);
      ids.add(msg.path("messageId").asText());
    }
    if (!acks.isEmpty()) {
      ps.acknowledge(subscription, acks);
    }
  }

  /**
   * The {@code summary} of a run's state object once it says published. The verifier publishes,
   * then records the message id, so the record can lag the message by one write.
   */
  private JsonNode publishedSummary(String runId, long deadline) throws Exception {
    BlobId state = BlobId.of(bucket, STATE_PREFIX + runId + ".json");
    JsonNode summary = null;
    while (System.nanoTime() < deadline) {
      Blob b = storage.get(state);
      summary = b == null ? null : JSON.readTree(b.getContent()).path("summary");
      if (summary != null && summary.path("published").asBoolean()) {
        return summary;
      }
      Thread.sleep(100); // waiting for a state, not for silence
    }
    throw new AssertionError(
        "run " + runId + " never recorded its summary as published: " + summary);
  }

  /** What the subscription holds now: a pull that returns at once instead of waiting for more. */
  private JsonNode pullNow() throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("maxMessages", 100);
    body.put("returnImmediately", true);
    URI uri = URI.create("http://" + pubsubHost + "/v1/" + subscription + ":pull");
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(uri)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      return JSON.readTree(r.body()).path("receivedMessages");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
