package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.splitflow.localgcs.cloud.LocalCloud;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.split.IndicesFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset version through the cloud flow, over HTTP as {@code ./splitflow local-cloud} runs it
 * (the stack of {@link EndToEndIT}): a first marker splits the dataset; new batch files and a
 * second marker naming the first version's indices (relative to the dataset folder) extend it. The
 * second summary reports what was kept, added and removed; no record of the first version moves,
 * and the chunks that hold the same records are not uploaded again.
 */
class ExtensionEndToEndIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BUCKET = "data";
  static final String FOLDER = "datasets/grow/";
  static final String DATASET = "gs://" + BUCKET + "/" + FOLDER;
  static final String OUTPUT = FOLDER + "split/";
  // Large enough that one unchanged chunk outweighs every small object a run writes.
  static final int IMAGE_BYTES = 4096;

  @TempDir static Path work;
  static LocalCloud cloud;
  static Storage storage;
  static String subscription;

  @BeforeAll
  static void startTheStack() throws Exception {
    PubSubEmulator.requireEmulator();
    cloud =
        LocalCloud.start(
            new LocalCloud.Settings(
                work.resolve("cloud"),
                EndToEndIT.functionsJar(),
                Path.of(Invoker.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                Pipeline.jar(),
                "splitflow-ext",
                BUCKET,
                "datasets/",
                Map.of("SPLITFLOW_SAMPLE_CHUNKS", "2")));
    storage =
        StorageOptions.newBuilder()
            .setHost(cloud.storage().url())
            .setProjectId("splitflow-ext")
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
    subscription = "projects/splitflow-ext/subscriptions/ext";
    cloud.pubsub().createSubscription(subscription, cloud.topic("summaries"), null);
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

  @Test
  void aSecondMarkerWithPreviousIndicesExtendsTheSplitAndReportsItsLineage() throws Exception {
    // Version 1: 3 batch files of 40 records, chunks of 10.
    upload(SyntheticBatch.writeDataset(work.resolve("v1"), 3, 40, IMAGE_BYTES, 11));
    marker("{\"chunkSize\": 10}");
    JsonNode first = summary();
    assertEquals("SUCCEEDED", first.path("status").asText(), first.toString());
    assertEquals(120, first.path("total_records").asLong());
    JsonNode fresh = first.path("lineage");
    assertFalse(fresh.path("extension").asBoolean(), fresh.toString());
    assertEquals("", fresh.path("previous_indices").asText());
    assertEquals(0, fresh.path("kept").path("total").asLong());

    byte[] v1Bytes = read(OUTPUT + ChunkNames.INDICES);
    IndicesFile v1 = IndicesFile.parse(new String(v1Bytes, StandardCharsets.UTF_8), "v1");
    Map<String, Long> v1Chunks = chunkGenerations();
    Map<String, Long> v1Records = records(first);

    // Version 2: two more batch files (80 records), then a marker naming version 1's indices.
    Path more = Files.createDirectories(work.resolve("v2"));
    SyntheticBatch.write(more.resolve("batch_4.pt"), 120, 40, IMAGE_BYTES, 40);
    SyntheticBatch.write(more.resolve("batch_5.pt"), 160, 40, IMAGE_BYTES, 50);
    upload(List.of(more.resolve("batch_4.pt"), more.resolve("batch_5.pt")));
    storageStats("DELETE");
    marker("{\"chunkSize\": 10, \"previousIndices\": \"split/stratification_indices.json\"}");
    JsonNode second = summary();
    assertEquals("SUCCEEDED", second.path("status").asText(), second.toString());
    assertEquals(200, second.path("total_records").asLong());

    JsonNode l = second.path("lineage");
    assertLineageKeepsVersion1(l, sha256(v1Bytes), v1Records, records(second));

    // No record of version 1 moved: same split, chunk and place.
    IndicesFile v2 =
        IndicesFile.parse(
            new String(read(OUTPUT + ChunkNames.INDICES), StandardCharsets.UTF_8), "v2");
    for (long g = 0; g < 120; g++) {
      assertEquals(
          v1.plan().placement(g).orElseThrow(),
          v2.plan().placement(g).orElseThrow(),
          "record " + g);
    }

    // The chunks the manifest does not name as new or changed are version 1's objects, never
    // written again (same generation); the others were written by this run.
    JsonNode manifest = JSON.readTree(read(OUTPUT + ChunkNames.MANIFEST));
    Set<String> changed = new TreeSet<>();
    manifest.path("lineage").path("new_or_changed_chunks").forEach(n -> changed.add(n.asText()));
    Map<String, Long> v2Chunks = chunkGenerations();
    long unchangedBytes = 0;
    long changedBytes = 0;
    List<String> unchanged = new ArrayList<>();
    for (JsonNode c : manifest.path("chunks")) {
      String name = c.path("name").asText();
      if (changed.contains(name)) {
        assertNotEquals(v1Chunks.get(name), v2Chunks.get(name), name + " was written");
        changedBytes += c.path("bytes").asLong();
      } else {
        assertEquals(v1Chunks.get(name), v2Chunks.get(name), name + " was not uploaded again");
        unchanged.add(name);
        unchangedBytes += c.path("bytes").asLong();
      }
    }
    assertTrue(unchanged.size() >= 10 && !changed.isEmpty(), unchanged + " / " + changed);
    assertEquals(unchanged.size(), l.path("unchanged_chunks").asInt());
    assertEquals(changed.size(), l.path("new_or_changed_chunks").asInt());

    assertOnlyNewAndChangedChunksWereUploaded(manifest, changed, changedBytes, unchangedBytes);
  }

  /** The summary's lineage: every record of version 1 kept in its split, 80 added, none removed. */
  private static void assertLineageKeepsVersion1(
      JsonNode l, String v1Sha256, Map<String, Long> v1Records, Map<String, Long> v2Records) {
    assertTrue(l.path("extension").asBoolean(), l.toString());
    assertEquals("sha256:" + v1Sha256, l.path("previous_indices").asText());
    for (String s : List.of("train", "val", "test")) {
      assertEquals(v1Records.get(s), l.path("kept").path(s).asLong(), "kept " + s);
      assertEquals(
          v2Records.get(s) - v1Records.get(s), l.path("added").path(s).asLong(), "added " + s);
      assertEquals(0, l.path("removed").path(s).asLong(), "removed " + s);
    }
    assertEquals(120, l.path("kept").path("total").asLong());
    assertEquals(80, l.path("added").path("total").asLong());
    assertEquals(0, l.path("removed").path("total").asLong());
  }

  /**
   * What the storage service received while version 2 ran: the new and changed chunks, the indices,
   * the manifest and small run-state objects; no room for one unchanged chunk more.
   */
  private static void assertOnlyNewAndChangedChunksWereUploaded(
      JsonNode manifest, Set<String> changed, long changedBytes, long unchangedBytes)
      throws Exception {
    JsonNode stats = storageStats("GET");
    long uploaded = 0;
    for (JsonNode op : stats) {
      uploaded += op.path("bytesIn").asLong();
    }
    long small =
        read(OUTPUT + ChunkNames.INDICES).length + read(OUTPUT + ChunkNames.MANIFEST).length;
    long smallestUnchanged = Long.MAX_VALUE;
    for (JsonNode c : manifest.path("chunks")) {
      if (!changed.contains(c.path("name").asText())) {
        smallestUnchanged = Math.min(smallestUnchanged, c.path("bytes").asLong());
      }
    }
    assertTrue(
        uploaded >= changedBytes && uploaded < changedBytes + small + smallestUnchanged,
        "uploaded "
            + uploaded
            + " bytes; new or changed chunks "
            + changedBytes
            + ", indices and manifest "
            + small
            + ", smallest unchanged chunk "
            + smallestUnchanged
            + " (all unchanged: "
            + unchangedBytes
            + "); "
            + stats);
  }

  /** The storage service's request counters ({@code /_localgcs/stats}); DELETE resets them. */
  private static JsonNode storageStats(String method) throws Exception {
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(cloud.storage().url() + "/_localgcs/stats"))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }

  private static void upload(List<Path> files) throws IOException {
    for (Path f : files) {
      storage.create(
          BlobInfo.newBuilder(BUCKET, FOLDER + f.getFileName()).build(), Files.readAllBytes(f));
    }
  }

  private static void marker(String options) {
    storage.create(
        BlobInfo.newBuilder(BUCKET, FOLDER + "_BATCHES_COMPLETE").build(),
        options.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] read(String name) {
    return storage.readAllBytes(BlobId.of(BUCKET, name));
  }

  /** Each chunk object's generation: a new one whenever the object is written. */
  private static Map<String, Long> chunkGenerations() {
    Map<String, Long> out = new TreeMap<>();
    for (Blob b : storage.list(BUCKET, Storage.BlobListOption.prefix(OUTPUT)).iterateAll()) {
      String name = b.getName().substring(OUTPUT.length());
      if (ChunkNames.parse(name).isPresent()) {
        out.put(name, b.getGeneration());
      }
    }
    return out;
  }

  private static Map<String, Long> records(JsonNode summary) {
    Map<String, Long> out = new TreeMap<>();
    summary
        .path("splits")
        .forEach(s -> out.put(s.path("split").asText(), s.path("records").asLong()));
    return out;
  }

  /** The next summary of the dataset; "exactly one" is proven by state ({@link SummaryTopic}). */
  private static JsonNode summary() throws Exception {
    List<JsonNode> out =
        new SummaryTopic(cloud.pubsubHost(), subscription, storage, BUCKET)
            .summaries(DATASET, Duration.ofSeconds(300));
    assertEquals(1, out.size(), "summaries: " + out);
    return out.get(0);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
