package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of the reader for a bounded time ({@code -Dsplitflow.fuzz.seconds}):
 * golden files made by torch, hostile files and Java-written files are mutated (bit flips,
 * interesting values, truncation, duplication, deletion) and fully read, tensor bytes included. The
 * only acceptable failure is the reader's own {@link PtException}; anything else, or a case that
 * takes more than 10 s, fails the test and is saved under target/fuzz-failures/.
 */
class ReaderFuzzTest {
  private static final long CASE_TIMEOUT_SECONDS = 10;
  private static final int[] INTERESTING = {0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, -1, 0x10000, 64};

  @Test
  void readerFailsOnlyWithItsOwnErrors() throws Exception {
    long seconds = Long.getLong("splitflow.fuzz.seconds", 30);
    long seed = Long.getLong("splitflow.fuzz.seed", 42);
    List<byte[]> corpus = corpus();
    Random random = new Random(seed);
    ExecutorService worker = Executors.newSingleThreadExecutor();
    List<String> failures = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long cases = 0;
    long refused = 0;
    try {
      while (System.nanoTime() < deadline && failures.size() < 5) {
        byte[] input = mutate(corpus.get(random.nextInt(corpus.size())), random);
        cases++;
        Future<Boolean> run = worker.submit(() -> readFully(input));
        try {
          if (!run.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            refused++;
          }
        } catch (TimeoutException e) {
          run.cancel(true);
          failures.add(save(input, cases, "no result within " + CASE_TIMEOUT_SECONDS + " s"));
          worker.shutdownNow();
          worker = Executors.newSingleThreadExecutor();
        } catch (ExecutionException e) {
          failures.add(save(input, cases, e.getCause().toString()));
        }
      }
    } finally {
      worker.shutdownNow();
    }
    System.out.printf(
        "fuzz: %d cases in %d s (seed %d), %d refused with PtException%n",
        cases, seconds, seed, refused);
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(cases > 100, "only " + cases + " cases ran");
  }

  /** Inputs the fuzzer once broke the reader with (deflate cut short, a key listed twice). */
  @Test
  void earlierFindingsAreRefusedCleanly() throws IOException {
    Path dir = repo().resolve("core/src/test/resources/fuzz-regressions");
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> cases =
          s.filter(p -> p.getFileName().toString().startsWith("regression-")).sorted().toList();
      assertTrue(cases.size() >= 6);
      for (Path p : cases) {
        assertTrue(!readFully(Files.readAllBytes(p)), p + " should be refused");
      }
    }
  }

  private static Path repo() {
    return Path.of(System.getProperty("splitflow.repo.root", "."));
  }

  /** Reads everything; false when the reader refused the file with its own exception. */
  private static boolean readFully(byte[] input) throws IOException {
    try (PtFile f = TestRecords.open(input, "fuzz.pt")) {
      PtJson.write(f, Writer.nullWriter());
      return true;
    } catch (PtException e) {
      return false;
    }
  }

  private static byte[] mutate(byte[] seed, Random r) {
    byte[] b = seed.clone();
    int n = 1 + r.nextInt(4);
    for (int k = 0; k < n && b.length > 0; k++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(7)) {
        case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 1 -> b[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
        case 2 -> {
          int v = INTERESTING[r.nextInt(INTERESTING.length)];
          for (int i = 0; i < 4 && at + i < b.length; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
          }
        }
        case 3 -> b = Arrays.copyOf(b, at);
        case 4 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(64));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, at + len);
          System.arraycopy(b, at, out, at + len, b.length - at);
          b = out;
        }
        case 5 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(64));
          byte[] out = new byte[b.length - len];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + len, out, at, b.length - at - len);
          b = out;
        }
        default -> b[at] = (byte) r.nextInt(256);
      }
    }
    return b;
  }

  private static List<byte[]> corpus() throws IOException {
    List<byte[]> files = new ArrayList<>();
    Path golden =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden");
    if (Files.isDirectory(golden)) {
      try (Stream<Path> s = Files.walk(golden)) {
        for (Path p : s.filter(p -> p.toString().endsWith(".pt")).sorted().toList()) {
          if (Files.size(p) <= 256 * 1024) {
            files.add(Files.readAllBytes(p));
          }
        }
      }
    }
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      records.add(TestRecords.kitchenSink(k));
    }
    files.add(TestRecords.write(records, "java"));
    return files;
  }

  private static String save(byte[] input, long n, String what) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
      Path file = dir.resolve("case-" + n + ".pt");
      Files.write(file, input);
      return what + " (input saved as " + file.toAbsolutePath() + ")";
    } catch (IOException e) {
      return what + " (could not save the input: " + e + ")";
    }
  }
}
