package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.sun.net.httpserver.HttpServer;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.gcs.StorageClients;
import dev.splitflow.functions.launch.DataflowLauncher;
import dev.splitflow.functions.testing.Events;
import dev.splitflow.functions.testing.FakeDataflowServer;
import dev.splitflow.functions.testing.MutableClock;
import dev.splitflow.functions.testing.RecordingPublisher;
import dev.splitflow.functions.testing.TestGcs;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launch function against a Cloud Storage that cannot take the run state: the real client
 * ({@link StorageClients}, as deployed) over HTTP to 127.0.0.1, either a port nothing listens on or
 * a server that answers every request with one error status.
 */
class LaunchStorageFailuresTest {
  static final Instant T0 = Instant.parse("2026-11-26T08:00:00Z");
  static final String BUCKET = "data";
  static final String MARKER = "datasets/cxr/_BATCHES_COMPLETE";

  private final Storage source = TestGcs.create();
  private final RecordingPublisher publisher = new RecordingPublisher();
  private FakeDataflowServer dataflow;
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    dataflow = FakeDataflowServer.start();
  }

  @AfterEach
  void stop() {
    dataflow.close();
    if (server != null) {
      server.stop(0);
    }
  }

  private LaunchSplitFunction function(String storageHost) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put(LaunchConfig.PROJECT, "p");
    env.put(LaunchConfig.REGION, "europe-west4");
    env.put(LaunchConfig.BUCKET, BUCKET);
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/p/topics/summaries");
    env.put(LaunchConfig.TEMPLATE_SPEC, "gs://tpl/splitflow.json");
    env.put(LaunchConfig.TEMP_LOCATION, "gs://tpl/temp");
    env.put(LaunchConfig.STAGING_LOCATION, "gs://tpl/staging");
    env.put(LaunchConfig.WORKER_SERVICE_ACCOUNT, "workers@p.iam.gserviceaccount.com");
    env.put(LaunchConfig.DATAFLOW_ENDPOINT, dataflow.rootUrl());
    env.put(StorageClients.EMULATOR_HOST, storageHost);
    LaunchConfig config = LaunchConfig.fromEnv(env);
    return new LaunchSplitFunction(
        config,
        StorageClients.fromEnv(env, "p"),
        DataflowLauncher.create(config.dataflow(), null),
        publisher,
        new MutableClock(T0),
        Duration.ofSeconds(1));
  }

  /** A marker event (the marker itself only needs to exist for the event's fields). */
  private CloudEvent markerEvent() {
    Blob m =
        source.create(
            BlobInfo.newBuilder(BUCKET, MARKER).build(), "".getBytes(StandardCharsets.UTF_8));
    return Events.finalized(m, T0);
  }

  /** Every request answered with {@code status} and Cloud Storage's JSON error shape. */
  private String answering(int status, String reason, String message) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body =
              ("{\"error\":{\"code\":"
                      + status
                      + ",\"message\":\""
                      + message
                      + "\",\"errors\":[{\"reason\":\""
                      + reason
                      + "\",\"message\":\""
                      + message
                      + "\"}]}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private JsonNode onlySummary() {
    assertEquals(1, publisher.messages().size(), "summaries: " + publisher.messages());
    return publisher.messages().get(0).body();
  }

  @Test
  void noStorageReachableGivesTheEventBackWithOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    LaunchSplitFunction fn = function("http://127.0.0.1:" + closed);
    CloudEvent event = markerEvent();

    IOException e = assertThrows(IOException.class, () -> fn.accept(event));

    // Thrown so the platform redelivers; what the Functions Framework logs of it is one line.
    assertEquals(LaunchSplitFunction.RetryLater.class, e.getClass());
    assertNull(e.getCause());
    assertEquals(0, e.getStackTrace().length);
    StringWriter logged = new StringWriter();
    e.printStackTrace(new PrintWriter(logged));
    assertEquals(1, logged.toString().lines().count(), logged.toString());
    assertTrue(e.getMessage().contains("gs://data/_splitflow/runs/"), e.getMessage());
    assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
    assertTrue(e.getMessage().endsWith("; will retry"), e.getMessage());
    assertTrue(publisher.messages().isEmpty(), "a retry, not a FAILED summary");
    assertEquals(0, dataflow.launches().size());
  }

  @Test
  void aMissingBucketSaysSoInsteadOfAskingForWriteAccess() throws Exception {
    LaunchSplitFunction fn =
        function(answering(404, "notFound", "The specified bucket does not exist."));

    fn.accept(markerEvent());

    String reason = onlySummary().path("reason").asText();
    assertTrue(reason.contains("no bucket data visible to the launch function"), reason);
    assertTrue(reason.contains(LaunchConfig.BUCKET), reason);
    assertFalse(reason.contains("write access"), reason);
    assertEquals(0, dataflow.launches().size());
  }

  @Test
  void aRejectedRequestNamesTheStatusAndTheStatePrefix() throws Exception {
    LaunchSplitFunction fn = function(answering(400, "invalid", "Invalid argument."));

    fn.accept(markerEvent());

    String reason = onlySummary().path("reason").asText();
    assertTrue(reason.contains("refused the write (HTTP 400)"), reason);
    assertTrue(reason.contains(LaunchConfig.STATE_PREFIX + " ('_splitflow/runs/')"), reason);
    assertFalse(reason.contains("write access"), reason);
  }

  @Test
  void aDeniedWriteStillAsksForWriteAccess() throws Exception {
    LaunchSplitFunction fn = function(answering(403, "forbidden", "Permission denied."));

    fn.accept(markerEvent());

    String reason = onlySummary().path("reason").asText();
    assertTrue(reason.contains("needs write access to gs://data/_splitflow/runs/"), reason);
  }
}
