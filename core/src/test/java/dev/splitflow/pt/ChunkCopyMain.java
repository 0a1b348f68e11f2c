package dev.splitflow.pt;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Copies every record of a batch file into chunk files of 50 records, then prints the JVM's peak
 * heap use. Run in a child JVM with a small -Xmx to prove the copy's memory does not depend on the
 * batch size.
 */
public final class ChunkCopyMain {
  private ChunkCopyMain() {}

  public static void main(String[] args) throws IOException {
    Path batch = Path.of(args[0]);
    Path outDir = Path.of(args[1]);
    int chunkSize = 50;
    try (PtFile in = PtFile.open(batch)) {
      List<PtValue> records = in.records();
      for (int c = 0; c * chunkSize < records.size(); c++) {
        Path chunk = outDir.resolve(String.format("train_chunk_%05d.pt", c));
        try (PtWriter w =
            new PtWriter(
                FileChannel.open(chunk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PtWriter.archiveNameFor(chunk.getFileName().toString()))) {
          for (PtValue r :
              records.subList(c * chunkSize, Math.min(records.size(), (c + 1) * chunkSize))) {
            w.append(r);
          }
        }
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println("peak_heap_bytes=" + peak);
  }
}
