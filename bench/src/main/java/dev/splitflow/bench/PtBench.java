package dev.splitflow.bench;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.io.CountingChannel;
import dev.splitflow.pt.PtFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Measures the .pt reader and writer on a synthetic batch file: bytes and reads to open it, the
 * writer's copy of all records into chunk files against a plain channel-to-channel copy of the same
 * file on the same disk, and the copy's peak heap in a JVM limited to 256 MB. Usage: {@code
 * bench/run [DIR] [GIB] [IMAGE_MIB]}; results print as Markdown for docs/performance.md.
 */
public final class PtBench {
  private PtBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench/out");
    double gib = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
    int imageBytes = (int) ((args.length > 2 ? Double.parseDouble(args[2]) : 1.0) * (1 << 20));
    Files.createDirectories(dir);
    Path batch = dir.resolve("batch_1.pt");
    int records = (int) (gib * (1L << 30) / imageBytes);
    long t0 = System.nanoTime();
    SyntheticBatch.write(batch, records, imageBytes, 7);
    double genSeconds = seconds(t0);
    long size = Files.size(batch);

    long openBytes;
    long openReads;
    try (CountingChannel ch = new CountingChannel(FileChannel.open(batch));
        PtFile f = PtFile.open(ch, batch.toString())) {
      openBytes = ch.bytesRead();
      openReads = ch.reads();
    }

    double plain = Double.MAX_VALUE;
    double chunked = Double.MAX_VALUE;
    for (int round = 0; round < 2; round++) {
      Path copy = dir.resolve("plain_copy.pt");
      long s = System.nanoTime();
      try (FileChannel in = FileChannel.open(batch);
          FileChannel out =
              FileChannel.open(
                  copy,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING)) {
        long done = 0;
        while (done < size) {
          done += in.transferTo(done, size - done, out);
        }
      }
      plain = Math.min(plain, seconds(s));
      Files.delete(copy);

      Path chunks = dir.resolve("chunks");
      deleteTree(chunks);
      Files.createDirectories(chunks);
      s = System.nanoTime();
      ChunkCopy.copy(batch, chunks);
      chunked = Math.min(chunked, seconds(s));
      deleteTree(chunks);
    }

    Path chunks = Files.createDirectories(dir.resolve("chunks"));
    ChunkCopy.ChildRun run = ChunkCopy.inChildJvm(batch, chunks, "256m");
    deleteTree(chunks);

    double mib = size / (double) (1 << 20);
    System.out.printf(
        "| batch file | %.0f MiB, %d records of %d KiB images (generated in %.1f s) |%n",
        mib, records, imageBytes >> 10, genSeconds);
    System.out.printf("| bytes read to open it | %d bytes in %d reads |%n", openBytes, openReads);
    System.out.printf(
        "| plain channel copy (transferTo) | %.2f s, %.0f MiB/s |%n", plain, mib / plain);
    System.out.printf(
        "| PtWriter copy into 50-record chunks | %.2f s, %.0f MiB/s |%n", chunked, mib / chunked);
    System.out.printf("| writer / plain copy throughput | %.2f |%n", plain / chunked);
    System.out.printf(
        "| chunk copy with -Xmx256m | exit %d, %s |%n",
        run.exitCode(), run.output().replace('\n', ' '));
    deleteTree(dir.resolve("chunks"));
    Files.delete(batch);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
