package dev.splitflow.localgcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.gax.paging.Page;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real google-cloud-storage client (JSON API over HTTP) against the local service. */
class JavaStorageClientTest {
  @TempDir Path dir;
  LocalGcs gcs;
  Storage storage;

  @BeforeEach
  void start() throws Exception {
    gcs = LocalGcs.start(dir, "127.0.0.1", 0, null);
    gcs.createBucket("data");
    storage =
        StorageOptions.newBuilder()
            .setHost(gcs.url())
            .setProjectId("p")
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
  }

  @AfterEach
  void stop() throws Exception {
    storage.close();
    gcs.close();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void createReadsBackWithChecksumsAndLandsAsAFile() throws Exception {
    byte[] data = random(100_000, 1);
    Blob b = storage.create(BlobInfo.newBuilder("data", "a/b/c.bin").build(), data);
    assertEquals(100_000, b.getSize());
    assertTrue(b.getGeneration() > 0);
    assertEquals(1, b.getMetageneration());
    String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data));
    assertEquals(md5, b.getMd5());
    CRC32C crc = new CRC32C();
    crc.update(data);
    assertEquals(
        Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()),
        b.getCrc32c());
    assertArrayEquals(data, storage.readAllBytes(BlobId.of("data", "a/b/c.bin")));
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("data/a/b/c.bin")));
    assertEquals(b.getGeneration(), storage.get(BlobId.of("data", "a/b/c.bin")).getGeneration());
  }

  @Test
  void aResumableWriterInSeveralChunksAndARangedReader() throws Exception {
    byte[] data = random(3 * 256 * 1024 + 77, 2);
    try (WriteChannel w = storage.writer(BlobInfo.newBuilder("data", "big.bin").build())) {
      w.setChunkSize(256 * 1024);
      for (int off = 0; off < data.length; off += 100_000) {
        w.write(ByteBuffer.wrap(data, off, Math.min(100_000, data.length - off)));
      }
    }
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("data/big.bin")));
    assertTrue(gcs.stats().requests("insert:chunk") >= 4, gcs.stats().toJson().toString());
    try (ReadChannel r = storage.reader(BlobId.of("data", "big.bin"))) {
      r.seek(500_000);
      r.limit(500_123);
      ByteBuffer buf = ByteBuffer.allocate(1000);
      int n = 0;
      for (int k; (k = r.read(buf)) > 0; ) {
        n += k;
      }
      assertEquals(123, n);
      assertArrayEquals(
          Arrays.copyOfRange(data, 500_000, 500_123), Arrays.copyOf(buf.array(), 123));
    }
  }

  @Test
  void preconditionsAnswer412WithTheRealReason() {
    BlobInfo info = BlobInfo.newBuilder("data", "claim").build();
    Blob first = storage.create(info, new byte[] {1}, Storage.BlobTargetOption.doesNotExist());
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> storage.create(info, new byte[] {2}, Storage.BlobTargetOption.doesNotExist()));
    assertEquals(412, e.getCode());
    assertEquals("conditionNotMet", e.getReason());
    BlobInfo pinned =
        BlobInfo.newBuilder(BlobId.of("data", "claim", first.getGeneration())).build();
    Blob second =
        storage.create(pinned, new byte[] {3}, Storage.BlobTargetOption.generationMatch());
    assertNotEquals(first.getGeneration(), second.getGeneration());
    StorageException stale =
        assertThrows(
            StorageException.class,
            () ->
                storage.create(pinned, new byte[] {4}, Storage.BlobTargetOption.generationMatch()));
    assertEquals(412, stale.getCode());
    StorageException meta =
        assertThrows(
            StorageException.class,
            () ->
                storage.delete(
                    BlobId.of("data", "claim"), Storage.BlobSourceOption.metagenerationMatch(7)));
    assertEquals(412, meta.getCode());
    assertTrue(storage.delete(BlobId.of("data", "claim", second.getGeneration())));
    assertNull(storage.get(BlobId.of("data", "claim")));
    assertTrue(!Files.exists(dir.resolve("data/claim")));
  }

  @Test
  void listsWithPrefixDelimiterAndPages() {
    for (String n : List.of("d/a", "d/b", "d/c", "d/sub/x", "d/sub/y", "e/z")) {
      storage.create(BlobInfo.newBuilder("data", n).build(), n.getBytes());
    }
    List<String> names = new ArrayList<>();
    Page<Blob> page =
        storage.list(
            "data",
            Storage.BlobListOption.prefix("d/"),
            Storage.BlobListOption.currentDirectory(),
            Storage.BlobListOption.pageSize(2));
    for (Blob b : page.iterateAll()) {
      names.add(b.getName() + (b.isDirectory() ? "(dir)" : ""));
    }
    assertEquals(List.of("d/a", "d/b", "d/c", "d/sub/(dir)"), names);
    List<String> all = new ArrayList<>();
    storage
        .list("data", Storage.BlobListOption.pageSize(4))
        .iterateAll()
        .forEach(b -> all.add(b.getName()));
    assertEquals(List.of("d/a", "d/b", "d/c", "d/sub/x", "d/sub/y", "e/z"), all);
  }

  @Test
  void copyAndComposeKeepTheBytes() {
    storage.create(BlobInfo.newBuilder("data", "p1").build(), "hello ".getBytes());
    storage.create(BlobInfo.newBuilder("data", "p2").build(), "world".getBytes());
    storage
        .copy(Storage.CopyRequest.of(BlobId.of("data", "p1"), BlobId.of("data", "copies/p1")))
        .getResult();
    assertEquals("hello ", new String(storage.readAllBytes(BlobId.of("data", "copies/p1"))));
    Blob c =
        storage.compose(
            Storage.ComposeRequest.newBuilder()
                .addSource("p1", "p2")
                .setTarget(BlobInfo.newBuilder("data", "both").build())
                .build());
    assertEquals("hello world", new String(storage.readAllBytes(BlobId.of("data", "both"))));
    assertEquals(11, c.getSize());
  }

  @Test
  void injectedFaultsAreRetriedByTheClient() throws Exception {
    byte[] data = random(2_000_000, 3);
    storage.create(BlobInfo.newBuilder("data", "f.bin").build(), data);
    gcs.faults().add(Faults.Rule.statuses("media", "f\\.bin", 503, 429));
    gcs.faults().add(new Faults.Rule(null, "media", null, "f\\.bin", List.of(), 1, 300_000, 0));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ReadChannel r = storage.reader(BlobId.of("data", "f.bin"))) {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (r.read(buf) >= 0) {
        buf.flip();
        out.write(buf.array(), 0, buf.limit());
        buf.clear();
      }
    }
    assertArrayEquals(data, out.toByteArray());
    assertEquals(2, gcs.stats().requests("media:injected"));
    StorageException denied;
    gcs.faults().add(new Faults.Rule(null, "insert", null, "out/.*", List.of(403), -1, -1, 0));
    denied =
        assertThrows(
            StorageException.class,
            () -> storage.create(BlobInfo.newBuilder("data", "out/x").build(), new byte[] {1}));
    assertEquals(403, denied.getCode());
    assertNull(storage.get(BlobId.of("data", "out/x")));
  }

  @Test
  void aMissingObjectIs404AndAMissingBucketToo() {
    assertNull(storage.get(BlobId.of("data", "nope")));
    StorageException e =
        assertThrows(StorageException.class, () -> storage.readAllBytes(BlobId.of("data", "nope")));
    assertEquals(404, e.getCode());
    StorageException b =
        assertThrows(
            StorageException.class,
            () -> storage.create(BlobInfo.newBuilder("other", "x").build(), new byte[] {1}));
    assertEquals(404, b.getCode());
  }

  /**
   * ifGenerationMatch=0 under concurrency, as two runs claiming one output folder send it: of many
   * clients creating one object at once (simple and resumable uploads mixed), exactly one succeeds,
   * every other gets 412, and the object holds the winner's bytes.
   */
  @Test
  void createIfAbsentRacingFromManyClientsHasExactlyOneWinner() throws Exception {
    int clients = 12;
    for (int round = 0; round < 5; round++) {
      String name = "out/_SPLITFLOW_CLAIM.json." + round;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int me = i;
        results.add(
            pool.submit(
                () -> {
                  byte[] content = ("claim of client " + me).getBytes();
                  BlobInfo info = BlobInfo.newBuilder("data", name).build();
                  go.await();
                  try {
                    if (me % 2 == 0) {
                      storage.create(info, content, Storage.BlobTargetOption.doesNotExist());
                    } else {
                      try (WriteChannel w =
                          storage.writer(info, Storage.BlobWriteOption.doesNotExist())) {
                        w.write(ByteBuffer.wrap(content));
                      }
                    }
                    return 200;
                  } catch (StorageException e) {
                    return e.getCode();
                  } catch (IOException e) {
                    return e.getCause() instanceof StorageException s ? s.getCode() : -1;
                  }
                }));
      }
      go.countDown();
      List<Integer> codes = new ArrayList<>();
      int winner = -1;
      for (int i = 0; i < clients; i++) {
        int code = results.get(i).get();
        codes.add(code);
        if (code == 200) {
          winner = i;
        }
      }
      pool.shutdown();
      assertEquals(1, codes.stream().filter(c -> c == 200).count(), "one winner: " + codes);
      assertEquals(
          clients - 1, codes.stream().filter(c -> c == 412).count(), "the rest 412: " + codes);
      assertArrayEquals(
          ("claim of client " + winner).getBytes(), storage.readAllBytes(BlobId.of("data", name)));
    }
  }
}
