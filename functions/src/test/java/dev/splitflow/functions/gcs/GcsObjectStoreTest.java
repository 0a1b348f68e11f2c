package dev.splitflow.functions.gcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.testing.TestGcs;
import dev.splitflow.output.ObjectStore;
import dev.splitflow.pt.PtFile;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcsObjectStoreTest {
  @TempDir Path dir;
  private final Storage storage = TestGcs.create();

  private void put(String name, byte[] bytes) {
    storage.create(BlobInfo.newBuilder("data", name).build(), bytes);
  }

  @Test
  void rangedReadsReturnTheBytesAtEveryPosition() throws IOException {
    byte[] bytes = new byte[RangedReadChannel.BLOCK * 3 + 123];
    new Random(1).nextBytes(bytes);
    put("f/obj", bytes);
    GcsObjectStore store = new GcsObjectStore(storage, "data", "f/", new ReadStats());
    try (SeekableByteChannel ch = store.open("obj")) {
      assertEquals(bytes.length, ch.size());
      for (long pos : new long[] {0, 5, RangedReadChannel.BLOCK - 2, bytes.length - 7, 1000}) {
        ByteBuffer b = ByteBuffer.allocate(10);
        ch.position(pos);
        int n = ch.read(b);
        int want = (int) Math.min(10, bytes.length - pos);
        assertTrue(n > 0 && n <= want);
        for (int i = 0; i < n; i++) {
          assertEquals(bytes[(int) pos + i], b.get(i), "byte " + (pos + i));
        }
      }
      ByteBuffer big = ByteBuffer.allocate(RangedReadChannel.BLOCK * 2);
      ch.position(17);
      assertEquals(big.capacity(), ch.read(big));
      byte[] expected = Arrays.copyOfRange(bytes, 17, 17 + big.capacity());
      assertArrayEquals(expected, big.array());
      ch.position(bytes.length);
      assertEquals(-1, ch.read(ByteBuffer.allocate(1)));
    }
  }

  @Test
  void statAndListReportSizeAndCrc32cOfTheFolderOnly() throws IOException {
    put("f/a", new byte[] {1, 2, 3});
    put("f/sub/b", new byte[] {4});
    put("g/c", new byte[] {5});
    GcsObjectStore store = new GcsObjectStore(storage, "data", "f/", new ReadStats());
    List<ObjectStore.ObjectInfo> all = store.list();
    assertEquals(1, all.size());
    assertEquals("a", all.get(0).name());
    assertEquals(3, all.get(0).size());
    // CRC32C of {1,2,3}, base64 as Cloud Storage reports it.
    CRC32C c = new CRC32C();
    c.update(new byte[] {1, 2, 3});
    String crc =
        Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
    assertEquals(crc, all.get(0).crc32c());
    assertEquals(all.get(0), store.stat("a").orElseThrow());
    assertTrue(store.stat("missing").isEmpty());
    assertThrows(FileNotFoundException.class, () -> store.open("missing"));
  }

  @Test
  void batchesAreListedInNaturalOrderWithGenerations() throws IOException {
    for (String n :
        List.of("batch_10.pt", "batch_2.pt", "batch_1.pt", "notes.txt", "batch_3.ptx")) {
      put("ds/" + n, new byte[] {1});
    }
    put("ds/split/batch_4.pt", new byte[] {1});
    List<IndicesScan.Batch> batches = GcsObjectStore.batches(storage, "data", "ds/");
    assertEquals(
        List.of("batch_1.pt", "batch_2.pt", "batch_10.pt"),
        batches.stream().map(IndicesScan.Batch::file).toList());
    assertEquals("gs://data/ds/batch_1.pt", batches.get(0).path());
    long gen = storage.get(BlobId.of("data", "ds/batch_1.pt")).getGeneration();
    assertEquals(gen, batches.get(0).generation());
  }

  /**
   * The launch function computes missing indices itself within the 540 s event limit; what it costs
   * per batch file is a few ranged reads of the zip directory and data.pkl, whatever the batch's
   * size. Measured here on 1,000 batch files (the figures go to docs/performance.md).
   */
  @Test
  void indicesFromAThousandBatchesCostAFewRangedReadsPerFile() throws IOException {
    int files = 1000;
    int records = 50;
    long totalBytes = 0;
    for (int i = 1; i <= files; i++) {
      Path f = dir.resolve("batch_" + i + ".pt");
      // Small images keep 1,000 files in memory; the large-batch test below covers bytes.
      SyntheticBatch.write(f, (long) (i - 1) * records, records, 256, i);
      byte[] b = Files.readAllBytes(f);
      totalBytes += b.length;
      put("cxr/batch_" + i + ".pt", b);
      Files.delete(f);
    }
    List<IndicesScan.Batch> batches = GcsObjectStore.batches(storage, "data", "cxr/");
    GcsObjectStore store = new GcsObjectStore(storage, "data", "", new ReadStats());
    long t0 = System.nanoTime();
    IndicesFile indices =
        IndicesScan.compute(batches, SplitConfig.defaults(), store.batchOpener(), 32);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals((long) files * records, indices.totals().sum());
    double requestsPerFile = store.stats().requests() / (double) files;
    double bytesPerFile = store.stats().bytes() / (double) files;
    System.out.printf(
        "indices over %d batch files (%,d bytes in all): %.2f ranged reads and %,.0f bytes per"
            + " file (%.2f%% of the data), %d ms in memory%n",
        files,
        totalBytes,
        requestsPerFile,
        bytesPerFile,
        100.0 * store.stats().bytes() / totalBytes,
        ms);
    assertTrue(requestsPerFile <= 3, "ranged reads per file: " + requestsPerFile);
    assertTrue(bytesPerFile <= RangedReadChannel.BLOCK * 2, "bytes per file: " + bytesPerFile);
    // A batch file is opened by ranged reads only: a PtFile over the channel sees the records.
    try (SeekableByteChannel ch = store.open("cxr/batch_7.pt")) {
      assertEquals(records, PtFile.open(ch, "batch_7.pt").records().size());
    }
  }

  /** Reading a large batch's records costs its directory and data.pkl, not its tensor bytes. */
  @Test
  void aLargeBatchIsOpenedWithAFewSmallRangedReads() throws IOException {
    Path f = dir.resolve("batch_1.pt");
    SyntheticBatch.write(f, 0, 100, 512 * 1024, 1);
    long size = Files.size(f);
    put("big/batch_1.pt", Files.readAllBytes(f));
    Files.delete(f);
    GcsObjectStore store = new GcsObjectStore(storage, "data", "", new ReadStats());
    try (SeekableByteChannel ch = store.open("big/batch_1.pt")) {
      assertEquals(100, PtFile.open(ch, "batch_1.pt").records().size());
    }
    System.out.printf(
        "a %,d-byte batch of 100 records: %d ranged reads, %,d bytes%n",
        size, store.stats().requests(), store.stats().bytes());
    assertTrue(size > 50_000_000, "batch size " + size);
    assertTrue(store.stats().requests() <= 3, "ranged reads: " + store.stats().requests());
    assertTrue(
        store.stats().bytes() <= 2L * RangedReadChannel.BLOCK, "bytes: " + store.stats().bytes());
  }
}
