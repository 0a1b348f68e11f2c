package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.functions.invoker.runner.Invoker;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.pubsub.v1.PubsubMessage;
import com.sun.net.httpserver.HttpServer;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.VerifyConfig;
import dev.splitflow.functions.launch.LocalLauncher;
import dev.splitflow.functions.launch.SplitLauncher;
import dev.splitflow.functions.summary.PubSubSummaryPublisher;
import dev.splitflow.functions.testing.InMemoryGcs;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.PubSubEmulator;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow, locally: both functions in the Functions Framework invoker (real HTTP
 * CloudEvents), Cloud Storage in memory, the pipeline's jar run by the local launcher in place of
 * Dataflow, and summaries read back from the real Pub/Sub emulator.
 */
class EndToEndIT {
  static final String PROJECT = "splitflow-e2e";
  static final String TOPIC = "summaries";
  static final String BUCKET = "data";
  static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final PubSubEmulator PUBSUB = new PubSubEmulator();
  @TempDir static Path work;

  /**
   * The invoker instantiates targets by class name; these hand over to the functions under test.
   */
  public static final class LaunchTarget implements CloudEventsFunction {
    static volatile CloudEventsFunction delegate;

    @Override
    public void accept(CloudEvent event) throws Exception {
      delegate.accept(event);
    }
  }

  public static final class VerifyTarget implements CloudEventsFunction {
    static volatile CloudEventsFunction delegate;

    @Override
    public void accept(CloudEvent event) throws Exception {
      delegate.accept(event);
    }
  }

  static Invoker launchInvoker;
  static Invoker verifyInvoker;
  static int launchPort;
  static int verifyPort;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private Storage storage;
  private final AtomicInteger launches = new AtomicInteger();
  private String subscription;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  static void startFunctions() throws Exception {
    PUBSUB.createTopic(PROJECT, TOPIC);
    launchPort = freePort();
    verifyPort = freePort();
    ClassLoader cl = EndToEndIT.class.getClassLoader();
    launchInvoker = new Invoker(launchPort, LaunchTarget.class.getName(), "cloudevent", cl);
    verifyInvoker = new Invoker(verifyPort, VerifyTarget.class.getName(), "cloudevent", cl);
    launchInvoker.startTestServer();
    verifyInvoker.startTestServer();
  }

  @AfterAll
  static void stopFunctions() throws Exception {
    launchInvoker.stopServer();
    verifyInvoker.stopServer();
  }

  private Map<String, String> env(String eventsUrl) throws IOException {
    Map<String, String> env = new HashMap<>(PUBSUB.env());
    env.put(LaunchConfig.PROJECT, PROJECT);
    env.put(LaunchConfig.REGION, "local");
    env.put(LaunchConfig.BUCKET, BUCKET);
    env.put(LaunchConfig.DATASETS_PREFIX, "datasets/");
    env.put(LaunchConfig.SUMMARY_TOPIC, "projects/" + PROJECT + "/topics/" + TOPIC);
    env.put(LaunchConfig.LAUNCHER, "local");
    env.put(LaunchConfig.LOCAL_PIPELINE_JAR, Pipeline.jar().toString());
    env.put(LaunchConfig.LOCAL_EVENTS_URL, eventsUrl);
    env.put(LaunchConfig.LOCAL_WORK_DIR, work.resolve("jobs").toString());
    env.put(VerifyConfig.SAMPLE_CHUNKS, "2");
    return env;
  }

  /** Wires both functions over one store; events of the local launcher go to {@code eventsUrl}. */
  private void deploy(String eventsUrl) throws IOException {
    Map<String, String> env = env(eventsUrl);
    LaunchConfig launchConfig = LaunchConfig.fromEnv(env);
    LocalLauncher local = new LocalLauncher(storage, launchConfig.local());
    SplitLauncher counting =
        r -> {
          launches.incrementAndGet();
          return local.launch(r);
        };
    LaunchTarget.delegate =
        new LaunchSplitFunction(
            launchConfig,
            storage,
            counting,
            publisher(launchConfig.summaryTopic(), env),
            Clock.systemUTC(),
            Duration.ofSeconds(60));
    VerifyTarget.delegate =
        new VerifySplitFunction(
            VerifyConfig.fromEnv(env),
            storage,
            publisher(launchConfig.summaryTopic(), env),
            Clock.systemUTC());
  }

  private final List<PubSubSummaryPublisher> publishers = new ArrayList<>();

  private PubSubSummaryPublisher publisher(String topic, Map<String, String> env)
      throws IOException {
    PubSubSummaryPublisher p = PubSubSummaryPublisher.create(topic, env);
    publishers.add(p);
    return p;
  }

  @AfterEach
  void closePublishers() {
    publishers.forEach(PubSubSummaryPublisher::close);
  }

  @BeforeEach
  void fresh() throws Exception {
    storage = InMemoryGcs.create();
    subscription = "s-" + UUID.randomUUID().toString().substring(0, 8);
    PUBSUB.createSubscription(PROJECT, subscription, TOPIC);
    deploy("http://localhost:" + verifyPort + "/");
  }

  private void batches(String folder, int n, int records) throws IOException {
    Path dir = Files.createTempDirectory(work, "batches");
    for (Path f : SyntheticBatch.writeDataset(dir, n, records, 256, 11)) {
      storage.create(
          BlobInfo.newBuilder(BUCKET, folder + f.getFileName()).build(), Files.readAllBytes(f));
    }
  }

  private Blob marker(String folder) {
    return storage.create(
        BlobInfo.newBuilder(BUCKET, folder + "_BATCHES_COMPLETE").build(), new byte[0]);
  }

  /** A bucket notification's Pub/Sub message as Eventarc posts it, in binary mode. */
  private static HttpRequest notification(Blob b) {
    Map<String, Object> attributes = new HashMap<>();
    attributes.put("bucketId", b.getBucket());
    attributes.put("objectId", b.getName());
    attributes.put("objectGeneration", Long.toString(b.getGeneration()));
    attributes.put("eventType", "OBJECT_FINALIZE");
    attributes.put("eventTime", Instant.now().toString());
    attributes.put("payloadFormat", "JSON_API_V1");
    String object =
        "{\"bucket\":\""
            + b.getBucket()
            + "\",\"name\":\""
            + b.getName()
            + "\",\"generation\":\""
            + b.getGeneration()
            + "\"}";
    Map<String, Object> message = new HashMap<>();
    message.put("data", Base64.getEncoder().encodeToString(object.getBytes()));
    message.put("attributes", attributes);
    message.put("messageId", "1");
    message.put("publishTime", Instant.now().toString());
    String body;
    try {
      body =
          JSON.writeValueAsString(
              Map.of("message", message, "subscription", "projects/p/subscriptions/s"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return HttpRequest.newBuilder(URI.create("http://localhost:" + launchPort + "/"))
        .timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/json")
        .header("ce-specversion", "1.0")
        .header("ce-id", UUID.randomUUID().toString())
        .header("ce-type", "google.cloud.pubsub.topic.v1.messagePublished")
        .header("ce-source", "//pubsub.googleapis.com/projects/p/topics/markers")
        .header("ce-time", Instant.now().toString())
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static int post(HttpRequest r) throws Exception {
    return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The summaries of a dataset: waits for the first, then for stragglers a while longer. */
  private List<JsonNode> summaries(String dataset, Duration first) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (PubsubMessage m : PUBSUB.pull(PROJECT, subscription, 1, first)) {
      out.add(JSON.readTree(m.getData().toByteArray()));
      assertEquals(dataset, m.getAttributesMap().get("dataset"));
      assertEquals(out.get(0).path("status").asText(), m.getAttributesMap().get("status"));
    }
    for (PubsubMessage m : PUBSUB.pull(PROJECT, subscription, 10, Duration.ofSeconds(5))) {
      out.add(JSON.readTree(m.getData().toByteArray()));
    }
    return out;
  }

  @Test
  void aMarkerOverDemoDataEndsInOneSucceededSummary() throws Exception {
    batches("datasets/cxr/", 4, 40);
    assertEquals(200, post(notification(marker("datasets/cxr/"))));
    List<JsonNode> s = summaries("gs://data/datasets/cxr/", Duration.ofSeconds(240));
    assertEquals(1, s.size(), "summaries: " + s);
    JsonNode summary = s.get(0);
    assertEquals("SUCCEEDED", summary.path("status").asText(), summary.toString());
    assertEquals(160, summary.path("total_records").asLong());
    assertTrue(summary.path("job_id").asText().startsWith("local-"));
    assertEquals(1, launches.get());
    Blob manifest = storage.get(BlobId.of(BUCKET, "datasets/cxr/split/_SPLIT_MANIFEST.json"));
    assertTrue(manifest != null && manifest.getSize() > 0);
  }

  @Test
  void twentyConcurrentDeliveriesLaunchOnceAndSummarizeOnce() throws Exception {
    batches("datasets/dup/", 3, 30);
    HttpRequest event = notification(marker("datasets/dup/"));
    List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(HTTP.sendAsync(event, HttpResponse.BodyHandlers.discarding()));
    }
    for (CompletableFuture<HttpResponse<Void>> f : sent) {
      assertEquals(200, f.get().statusCode());
    }
    List<JsonNode> s = summaries("gs://data/datasets/dup/", Duration.ofSeconds(240));
    assertEquals(1, launches.get(), "launch requests");
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("SUCCEEDED", s.get(0).path("status").asText(), s.get(0).toString());
  }

  @Test
  void aCorruptBatchFileEndsInAFailedSummaryNamingItAndNoJob() throws Exception {
    batches("datasets/bad/", 3, 20);
    Blob b = storage.get(BlobId.of(BUCKET, "datasets/bad/batch_2.pt"));
    byte[] bytes = b.getContent();
    storage.create(
        BlobInfo.newBuilder(BUCKET, b.getName()).build(),
        java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertEquals(200, post(notification(marker("datasets/bad/"))));
    List<JsonNode> s = summaries("gs://data/datasets/bad/", Duration.ofSeconds(60));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("FAILED", s.get(0).path("status").asText());
    assertEquals("indices", s.get(0).path("stage").asText());
    assertTrue(s.get(0).path("reason").asText().contains("batch_2.pt"), s.get(0).toString());
    assertEquals(0, launches.get());
  }

  @Test
  void aChunkMissingAfterTheRunMakesTheVerifierFail() throws Exception {
    // Between the upload and the manifest's event, a chunk disappears (deleted by hand, a
    // lifecycle rule...): a proxy in front of the verifier removes it before passing the event on.
    HttpServer proxy = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    proxy.createContext(
        "/",
        exchange -> {
          byte[] body;
          try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
          }
          if ("google.cloud.storage.object.v1.finalized"
              .equals(exchange.getRequestHeaders().getFirst("ce-type"))) {
            storage.delete(BlobId.of(BUCKET, "datasets/gone/split/test_chunk_00000.pt"));
          }
          HttpRequest.Builder forward =
              HttpRequest.newBuilder(URI.create("http://localhost:" + verifyPort + "/"))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body));
          exchange
              .getRequestHeaders()
              .forEach(
                  (k, v) -> {
                    if (k.toLowerCase().startsWith("ce-") || k.equalsIgnoreCase("content-type")) {
                      forward.header(k, v.get(0));
                    }
                  });
          int status;
          try {
            status =
                HTTP.send(forward.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (InterruptedException e) {
            status = 500;
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    proxy.start();
    try {
      deploy("http://localhost:" + proxy.getAddress().getPort() + "/");
      batches("datasets/gone/", 3, 30);
      assertEquals(200, post(notification(marker("datasets/gone/"))));
      List<JsonNode> s = summaries("gs://data/datasets/gone/", Duration.ofSeconds(240));
      assertEquals(1, s.size(), "summaries: " + s);
      assertEquals("FAILED", s.get(0).path("status").asText());
      assertEquals("verify", s.get(0).path("stage").asText());
      assertTrue(s.get(0).path("failed_checks").toString().contains("test_chunk_00000.pt"));
      assertNull(storage.get(BlobId.of(BUCKET, "datasets/gone/split/test_chunk_00000.pt")));
    } finally {
      proxy.stop(0);
    }
  }
}
