package dev.splitflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.io.CountingChannel;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.TensorValue;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The memory promises on a 1 GiB batch file: opening reads under 1 MB; copying fits 256 MB. */
class LargeBatchIT {
  private static final long GIB = 1L << 30;
  private static Path dir;
  private static Path batch;
  private static int records;

  @BeforeAll
  static void writeBatch() throws IOException {
    dir = Files.createTempDirectory("splitflow-large");
    batch = dir.resolve("batch_1.pt");
    records = (int) (GIB >> 20);
    SyntheticBatch.write(batch, records, 1 << 20, 7);
  }

  @AfterAll
  static void cleanUp() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void openingAOneGibBatchReadsUnderOneMegabyte() throws IOException {
    assertTrue(Files.size(batch) >= GIB);
    try (CountingChannel ch = new CountingChannel(FileChannel.open(batch));
        PtFile f = PtFile.open(ch, batch.toString())) {
      assertEquals(records, f.records().size());
      assertTrue(ch.bytesRead() < 1_000_000, "opening read " + ch.bytesRead() + " bytes");
      assertTrue(ch.reads() < 64, "opening made " + ch.reads() + " reads");
      System.out.printf(
          "open: %d bytes in %d reads for a %d-byte file%n", ch.bytesRead(), ch.reads(), f.size());
      // Reading one record's image reads that image's bytes (and its entry's local header), not
      // the stack of 16 images it is a view of.
      long before = ch.bytesRead();
      TensorValue image = (TensorValue) ((DictValue) f.records().get(5)).get("image");
      PtJson.sha256(image);
      long read = ch.bytesRead() - before;
      assertTrue(read >= 1 << 20 && read < (1 << 20) + 1024, read + " bytes read for one image");
    }
  }

  @Test
  void copyingItIntoChunksFitsInA256MbHeap() throws Exception {
    Path out = Files.createDirectory(dir.resolve("chunks"));
    ChunkCopy.ChildRun run = ChunkCopy.inChildJvm(batch, out, "256m");
    assertEquals(0, run.exitCode(), "child JVM with -Xmx256m failed:\n" + run.output());
    System.out.println("copy under -Xmx256m: " + run.output());

    List<Path> chunks = new ArrayList<>();
    try (Stream<Path> s = Files.list(out)) {
      s.sorted().forEach(chunks::add);
    }
    assertEquals((records + 49) / 50, chunks.size());
    try (PtFile source = PtFile.open(batch);
        PtFile last = PtFile.open(chunks.get(chunks.size() - 1))) {
      int offset = (chunks.size() - 1) * 50;
      for (int k = 0; k < last.records().size(); k++) {
        assertEquals(
            PtJson.toJson(source.records().get(offset + k), false),
            PtJson.toJson(last.records().get(k), false));
      }
      long chunkBytes = 0;
      for (Path c : chunks) {
        chunkBytes += Files.size(c);
      }
      // Each chunk holds its own images only: no stacked storage is dragged along.
      assertTrue(chunkBytes < source.size() * 1.01, chunkBytes + " bytes of chunks");
    }
  }
}
