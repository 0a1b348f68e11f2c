package dev.splitflow.bench;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies every record of a batch file into chunk files of 50 records, then prints the JVM's peak
 * heap use as {@code peak_heap_bytes=N}. Run in a JVM with a small -Xmx to show the copy's memory
 * does not depend on the batch size.
 */
public final class ChunkCopy {
  static final int CHUNK_RECORDS = 50;

  private ChunkCopy() {}

  public static void main(String[] args) throws IOException {
    copy(Path.of(args[0]), Path.of(args[1]));
    System.out.println("peak_heap_bytes=" + peakHeap());
  }

  /** Writes {@code train_chunk_NNNNN.pt} files; returns the number of chunks. */
  static int copy(Path batch, Path outDir) throws IOException {
    int chunks = 0;
    try (PtFile in = PtFile.open(batch)) {
      List<PtValue> records = in.records();
      for (int from = 0; from < records.size(); from += CHUNK_RECORDS) {
        Path chunk = outDir.resolve(String.format("train_chunk_%05d.pt", chunks++));
        try (PtWriter w = PtWriter.create(chunk)) {
          for (PtValue r : records.subList(from, Math.min(records.size(), from + CHUNK_RECORDS))) {
            w.append(r);
          }
        }
      }
    }
    return chunks;
  }

  /** Output and exit status of a copy run in a child JVM limited to {@code xmx} of heap. */
  record ChildRun(int exitCode, String output) {}

  static ChildRun inChildJvm(Path batch, Path outDir, String xmx)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx" + xmx,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                ChunkCopy.class.getName(),
                batch.toString(),
                outDir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new ChildRun(p.waitFor(), out);
  }

  static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
