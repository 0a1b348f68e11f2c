package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.NoCredentials;
import com.google.cloud.functions.invoker.runner.Invoker;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.PubSubEmulator;
import dev.splitflow.functions.testing.SummaryTopic;
import dev.splitflow.localgcs.Faults;
import dev.splitflow.localgcs.cloud.LocalCloud;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow as {@code ./splitflow local-cloud} runs it, driven over HTTP: the Pub/Sub
 * emulator, the local Cloud Storage service with the bucket notifications Terraform configures,
 * both functions from the shaded functions jar in the Functions Framework invoker (configured only
 * by environment variables), and the local launcher running the pipeline on {@code gs://} paths.
 * Runs start from objects written with the real Cloud Storage client; summaries are read from the
 * summary topic.
 */
class EndToEndIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BUCKET = "data";

  @TempDir static Path work;
  static LocalCloud cloud;
  static Storage storage;
  private String subscription;

  @BeforeAll
  static void startTheStack() throws Exception {
    PubSubEmulator.requireEmulator();
    cloud =
        LocalCloud.start(
            new LocalCloud.Settings(
                work.resolve("cloud"),
                functionsJar(),
                Path.of(Invoker.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                Pipeline.jar(),
                "splitflow-e2e",
                BUCKET,
                "datasets/",
                Map.of("SPLITFLOW_SAMPLE_CHUNKS", "2")));
    storage =
        StorageOptions.newBuilder()
            .setHost(cloud.storage().url())
            .setProjectId("splitflow-e2e")
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
  }

  @AfterAll
  static void stopTheStack() throws Exception {
    if (storage != null) {
      storage.close();
    }
    if (cloud != null) {
      cloud.close();
    }
  }

  static Path functionsJar() throws IOException {
    Path target = Pipeline.repoRoot().resolve("functions/target");
    try (DirectoryStream<Path> s =
        Files.newDirectoryStream(target, "splitflow-functions-*-all.jar")) {
      for (Path p : s) {
        return p;
      }
    }
    throw new IllegalStateException("no shaded functions jar in " + target + "; run mvn package");
  }

  @BeforeEach
  void freshSubscription() throws IOException {
    subscription =
        "projects/splitflow-e2e/subscriptions/e2e-" + UUID.randomUUID().toString().substring(0, 8);
    cloud.pubsub().createSubscription(subscription, cloud.topic("summaries"), null);
    cloud.storage().faults().clear();
  }

  private void batches(String folder, int n, int records) throws IOException {
    Path dir = Files.createTempDirectory(work, "batches");
    for (Path f : SyntheticBatch.writeDataset(dir, n, records, 256, 11)) {
      storage.create(
          BlobInfo.newBuilder(BUCKET, folder + f.getFileName()).build(), Files.readAllBytes(f));
    }
  }

  private Blob marker(String folder) {
    return marker(folder, true);
  }

  /**
   * Writes the marker; unless {@code notified}, outside the notified prefix first (a copy into
   * place later finalizes it, notifying), so faults can be set between writing and delivery.
   */
  private Blob marker(String folder, boolean notified) {
    String name = folder + "_BATCHES_COMPLETE";
    if (notified) {
      return storage.create(BlobInfo.newBuilder(BUCKET, name).build(), new byte[0]);
    }
    return storage.create(BlobInfo.newBuilder(BUCKET, "staging/" + name).build(), new byte[0]);
  }

  /**
   * Copies a marker written with {@code marker(folder, false)} into place: its finalize notifies.
   */
  private void copyIntoPlace(Blob staged) {
    storage
        .copy(
            Storage.CopyRequest.of(
                staged.getBlobId(),
                BlobId.of(BUCKET, staged.getName().substring("staging/".length()))))
        .getResult();
  }

  /** The summaries of a dataset; "exactly one" is proven by state (see {@link SummaryTopic}). */
  private List<JsonNode> summaries(String dataset, Duration first) throws Exception {
    return new SummaryTopic(cloud.pubsubHost(), subscription, storage, BUCKET)
        .summaries(dataset, first);
  }

  /** How many jobs the launch function started for a dataset folder, from its log. */
  private static int jobsLaunched(String folderName) throws IOException {
    String log = Files.readString(work.resolve("cloud/logs/launch.log"));
    Matcher m = Pattern.compile("launched job splitflow-datasets-" + folderName + "-").matcher(log);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void aMarkerEndsInOneSucceededSummaryWithTheDatasCounts() throws Exception {
    batches("datasets/cxr/", 4, 40);
    marker("datasets/cxr/");
    List<JsonNode> s = summaries("gs://data/datasets/cxr/", Duration.ofSeconds(240));
    assertEquals(1, s.size(), "summaries: " + s);
    JsonNode summary = s.get(0);
    assertEquals("SUCCEEDED", summary.path("status").asText(), summary.toString());
    assertEquals(160, summary.path("total_records").asLong());
    assertTrue(summary.path("job_id").asText().startsWith("local-"));
    assertEquals(1, jobsLaunched("cxr"));
    Blob manifest = storage.get(BlobId.of(BUCKET, "datasets/cxr/split/_SPLIT_MANIFEST.json"));
    assertTrue(manifest != null && manifest.getSize() > 0);
    // The launcher keeps a log per job and nothing else: no copies of batches or outputs.
    try (DirectoryStream<Path> jobs = Files.newDirectoryStream(work.resolve("cloud/jobs"))) {
      for (Path p : jobs) {
        assertTrue(Files.isRegularFile(p) && p.toString().endsWith(".log"), p.toString());
      }
    }
  }

  @Test
  void twentyConcurrentDeliveriesOfOneMarkerLaunchOnceAndSummarizeOnce() throws Exception {
    batches("datasets/dup/", 3, 30);
    Blob m = marker("datasets/dup/");
    // Pub/Sub delivers at least once: 19 more copies of the marker's notification, at once.
    ObjectNode message = JSON.createObjectNode();
    ObjectNode attrs = message.putObject("attributes");
    attrs.put("bucketId", BUCKET);
    attrs.put("objectId", m.getName());
    attrs.put("objectGeneration", Long.toString(m.getGeneration()));
    attrs.put("eventType", "OBJECT_FINALIZE");
    attrs.put("payloadFormat", "JSON_API_V1");
    attrs.put("eventTime", Instant.now().toString());
    attrs.put("notificationConfig", "projects/_/buckets/data/notificationConfigs/1");
    String object =
        "{\"bucket\":\"data\",\"name\":\""
            + m.getName()
            + "\",\"generation\":\""
            + m.getGeneration()
            + "\"}";
    message.put(
        "data", Base64.getEncoder().encodeToString(object.getBytes(StandardCharsets.UTF_8)));
    ObjectNode publish = JSON.createObjectNode();
    publish.putArray("messages").add(message);
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < 19; i++) {
      sent.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  publish(cloud.topic("markers"), publish);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<Void> f : sent) {
      f.get();
    }
    List<JsonNode> s = summaries("gs://data/datasets/dup/", Duration.ofSeconds(240));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("SUCCEEDED", s.get(0).path("status").asText(), s.get(0).toString());
    assertEquals(1, jobsLaunched("dup"));
  }

  private static void publish(String topic, JsonNode body) throws IOException {
    try {
      var r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + cloud.pubsubHost() + "/v1/" + topic + ":publish"))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  @Test
  void aTruncatedBatchFileEndsInAFailedSummaryNamingItAndNoJob() throws Exception {
    batches("datasets/bad/", 3, 20);
    byte[] bytes = storage.readAllBytes(BlobId.of(BUCKET, "datasets/bad/batch_2.pt"));
    storage.create(
        BlobInfo.newBuilder(BUCKET, "datasets/bad/batch_2.pt").build(),
        Arrays.copyOf(bytes, bytes.length / 2));
    marker("datasets/bad/");
    List<JsonNode> s = summaries("gs://data/datasets/bad/", Duration.ofSeconds(120));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("FAILED", s.get(0).path("status").asText());
    assertEquals("indices", s.get(0).path("stage").asText());
    assertTrue(s.get(0).path("reason").asText().contains("batch_2.pt"), s.get(0).toString());
    assertEquals(0, jobsLaunched("bad"));
  }

  @Test
  void aChunkDeletedBeforeVerificationMakesTheVerifierFail() throws Exception {
    String manifest = "datasets/gone/split/_SPLIT_MANIFEST.json";
    // The verifier's first read of the manifest waits, so the chunk goes before it looks.
    cloud
        .storage()
        .faults()
        .add(new Faults.Rule(null, "media", null, Pattern.quote(manifest), List.of(), 1, -1, 6000));
    batches("datasets/gone/", 3, 30);
    marker("datasets/gone/");
    long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
    while (storage.get(BlobId.of(BUCKET, manifest)) == null && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(storage.delete(BlobId.of(BUCKET, "datasets/gone/split/test_chunk_00000.pt")));
    List<JsonNode> s = summaries("gs://data/datasets/gone/", Duration.ofSeconds(120));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("FAILED", s.get(0).path("status").asText());
    assertEquals("verify", s.get(0).path("stage").asText());
    assertTrue(
        s.get(0).path("failed_checks").toString().contains("test_chunk_00000.pt"),
        s.get(0).toString());
    assertNull(storage.get(BlobId.of(BUCKET, "datasets/gone/split/test_chunk_00000.pt")));
  }

  @Test
  void burstsOf503And429OnEveryObjectStillGiveOneJobAndOneSuccess() throws Exception {
    batches("datasets/flaky/", 3, 30);
    Faults faults = cloud.storage().faults();
    Blob m = marker("datasets/flaky/", false);
    // Reads of the marker and the batches (the test wrote them already), every request for the
    // run state and the chunks: each object's first three requests fail.
    for (String object : List.of("datasets/flaky/_BATCHES_COMPLETE", "datasets/flaky/batch_.*")) {
      faults.add(new Faults.Rule("GET", null, null, object, List.of(503, 429, 503), 1, -1, 0));
    }
    for (String object : List.of("_splitflow/.*", "datasets/flaky/split/.*_chunk_.*")) {
      faults.add(new Faults.Rule(null, null, null, object, List.of(503, 429, 503), 1, -1, 0));
    }
    copyIntoPlace(m);
    List<JsonNode> s = summaries("gs://data/datasets/flaky/", Duration.ofSeconds(300));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("SUCCEEDED", s.get(0).path("status").asText(), s.get(0).toString());
    assertEquals(90, s.get(0).path("total_records").asLong());
    assertEquals(1, jobsLaunched("flaky"));
    JsonNode stats = statsInjected();
    assertTrue(stats.size() > 0, "no fault was injected: " + stats);
  }

  private static JsonNode statsInjected() throws IOException {
    var r = storageGet("/_localgcs/stats");
    ObjectNode injected = JSON.createObjectNode();
    r.fields()
        .forEachRemaining(
            e -> {
              if (e.getKey().endsWith(":injected")) {
                injected.set(e.getKey(), e.getValue());
              }
            });
    return injected;
  }

  private static JsonNode storageGet(String path) throws IOException {
    try {
      var r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(cloud.storage().url() + path)).build(),
                  HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  @Test
  void a403OnTheOutputPrefixGivesOneFailedSummaryNamingIt() throws Exception {
    batches("datasets/denied/", 2, 20);
    cloud
        .storage()
        .faults()
        .add(
            new Faults.Rule(
                null, "insert", null, "datasets/denied/split/.*", List.of(403), -1, -1, 0));
    marker("datasets/denied/");
    List<JsonNode> s = summaries("gs://data/datasets/denied/", Duration.ofSeconds(240));
    assertEquals(1, s.size(), "summaries: " + s);
    assertEquals("FAILED", s.get(0).path("status").asText(), s.get(0).toString());
    String reason = s.get(0).path("reason").asText();
    assertTrue(
        reason.contains("403") && reason.contains("datasets/denied/split/"), s.get(0).toString());
  }
}
