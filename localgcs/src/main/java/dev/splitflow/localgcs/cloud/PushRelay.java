package dev.splitflow.localgcs.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.splitflow.localgcs.LocalJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * What Eventarc does for a Pub/Sub-triggered function: takes the Pub/Sub push request ({@code
 * {"message": ..., "subscription": ...}}) and posts it to the function as a binary-mode CloudEvent
 * of type {@code google.cloud.pubsub.topic.v1.messagePublished}, answering the emulator with the
 * function's status so a failure is redelivered (the deployment's {@code RETRY_POLICY_RETRY}).
 */
final class PushRelay implements AutoCloseable {
  private final HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * @param routes path (e.g. {@code /launch}) to the function's URL and the topic it listens to
   */
  PushRelay(Map<String, String[]> routes) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "push-relay");
              t.setDaemon(true);
              return t;
            }));
    routes.forEach(
        (path, target) -> server.createContext(path, ex -> relay(ex, target[0], target[1])));
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private void relay(HttpExchange ex, String functionUrl, String topic) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      int status;
      try {
        JsonNode push = LocalJson.MAPPER.readTree(body);
        JsonNode m = push.path("message");
        String id = m.path("messageId").asText(m.path("message_id").asText("0"));
        String time = m.path("publishTime").asText(Instant.now().toString());
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(functionUrl))
                .timeout(Duration.ofSeconds(600))
                .header("Content-Type", "application/json")
                .header("ce-specversion", "1.0")
                .header("ce-id", id)
                .header("ce-type", "google.cloud.pubsub.topic.v1.messagePublished")
                .header("ce-source", "//pubsub.googleapis.com/" + topic)
                .header("ce-time", time)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException | RuntimeException e) {
        System.err.println("local-cloud: relaying to " + functionUrl + ": " + e);
        status = 503;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = 503;
      }
      ex.sendResponseHeaders(status / 100 == 2 ? 204 : status, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
