package dev.splitflow.localgcs.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.localgcs.LocalJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The Pub/Sub emulator's REST API: what local-cloud needs to set up and read summaries. */
public final class PubSubRest {
  private final String host;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public PubSubRest(String hostPort) {
    this.host = hostPort;
  }

  JsonNode call(String method, String path, JsonNode body) throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host + "/v1/" + path))
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString()));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new IOException(
            "Pub/Sub emulator: "
                + method
                + " "
                + path
                + " answered "
                + r.statusCode()
                + ": "
                + r.body());
      }
      return r.body().isEmpty()
          ? LocalJson.MAPPER.createObjectNode()
          : LocalJson.MAPPER.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  public void createTopic(String topic) throws IOException {
    call("PUT", topic, LocalJson.MAPPER.createObjectNode());
  }

  /** A subscription; {@code pushEndpoint} null for a pull subscription. */
  public void createSubscription(String subscription, String topic, String pushEndpoint)
      throws IOException {
    ObjectNode body = LocalJson.MAPPER.createObjectNode();
    body.put("topic", topic);
    body.put("ackDeadlineSeconds", pushEndpoint == null ? 60 : 600);
    if (pushEndpoint != null) {
      body.putObject("pushConfig").put("pushEndpoint", pushEndpoint);
    }
    call("PUT", subscription, body);
  }

  /** Pulls up to {@code max} messages (returns the receivedMessages array, maybe empty). */
  public JsonNode pull(String subscription, int max) throws IOException {
    ObjectNode body = LocalJson.MAPPER.createObjectNode();
    body.put("maxMessages", max);
    body.put("returnImmediately", false);
    return call("POST", subscription + ":pull", body).path("receivedMessages");
  }

  public void acknowledge(String subscription, Iterable<String> ackIds) throws IOException {
    ObjectNode body = LocalJson.MAPPER.createObjectNode();
    var ids = body.putArray("ackIds");
    ackIds.forEach(ids::add);
    call("POST", subscription + ":acknowledge", body);
  }
}
