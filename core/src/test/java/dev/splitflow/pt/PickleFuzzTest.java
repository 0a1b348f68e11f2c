package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Structure-aware fuzzing that reaches the pickle machine, where byte mutation of whole files
 * rarely does: random opcode sequences within the allowlist, driven by a model of the stack so most
 * of them get deep into the reader; nesting bursts; tensors with random sizes, strides, offsets and
 * storage lengths; colliding and long keys. Each generated file is read ({@code open} and {@code
 * inspect}'s JSON, and streamed), and a file the reader accepts is written back through {@link
 * PtWriter} and must read back to the same JSON. The only acceptable failure is the reader's or
 * writer's own {@link PtException}; anything else, or a case over 10 s, fails and is saved under
 * target/fuzz-failures/ (keep it in core/src/test/resources/fuzz-regressions/ once fixed). 10 s in
 * the suite; {@code -Dsplitflow.fuzz.seconds=N} (as {@link ReaderFuzzTest}) runs longer.
 */
class PickleFuzzTest {
  private static final long CASE_TIMEOUT_SECONDS = 10;

  @Test
  void readerAndWriterFailOnlyWithTheirOwnErrors() throws Exception {
    long seconds = Math.max(1, Long.getLong("splitflow.fuzz.seconds", 30) / 3);
    long seed = Long.getLong("splitflow.fuzz.seed", 7);
    Random random = new Random(seed);
    ExecutorService worker = Executors.newSingleThreadExecutor();
    List<String> failures = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long cases = 0;
    long accepted = 0;
    try {
      while (System.nanoTime() < deadline && failures.size() < 5) {
        byte[] input = new Generator(new Random(random.nextLong())).file();
        cases++;
        Future<Boolean> run = worker.submit(() -> check(input));
        try {
          if (run.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            accepted++;
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
        "pickle fuzz: %d cases in %d s (seed %d), %d read and written back%n",
        cases, seconds, seed, accepted);
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(cases > 100, "only " + cases + " cases ran");
    assertTrue(accepted > cases / 20, "too few cases got through the reader: " + accepted);
  }

  @Test
  void earlierFindingsAreRefusedOrRoundTrip() throws Exception {
    Path dir =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/fuzz-regressions");
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("pickle-")).toList()) {
        check(Files.readAllBytes(p));
      }
    }
  }

  /** True when the file was read, written back and read back the same; false when refused. */
  static boolean check(byte[] input) throws IOException {
    String json;
    List<PtValue> records;
    try (PtFile f = TestRecords.open(input, "fuzz.pt")) {
      PtJson.write(f, Writer.nullWriter());
      if (!(f.root() instanceof PtValue.ListValue)) {
        return true;
      }
      records = f.records();
      json = PtJson.toJson(f.root(), false);
      List<String> streamed = new ArrayList<>();
      PtFile.forEachRecord(
          new TestRecords.ByteArrayChannel(input),
          "fuzz.pt",
          (i, r) -> streamed.add(PtJson.toJson(r, false)));
      assertEquals(records.size(), streamed.size());
      byte[] copy;
      try {
        copy = TestRecords.write(records, "copy");
      } catch (PtWriteException e) {
        return true; // a value the writer refuses by design (numpy dtype, parameter kind)
      }
      try (PtFile back = TestRecords.open(copy, "copy.pt")) {
        assertEquals(json, PtJson.toJson(back.root(), false), "written copy differs");
      }
      return true;
    } catch (PtFormatException e) {
      if (Boolean.getBoolean("splitflow.fuzz.verbose")) {
        System.out.println("refused: " + e.getMessage().replaceAll("offset [0-9]+", "offset N"));
      }
      assertTrue(!e.getMessage().contains("\n") && e.getMessage().length() <= 2500);
      return false;
    } catch (PtException e) {
      return false;
    }
  }

  private static String save(byte[] input, long n, String what) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
      Path file = dir.resolve("pickle-" + n + ".pt");
      Files.write(file, input);
      return what + " (input saved as " + file.toAbsolutePath() + ")";
    } catch (IOException e) {
      return what + " (could not save the input: " + e + ")";
    }
  }

  /** Writes one random archive: a random pickle over a few random storages. */
  static final class Generator {
    private static final String[] STORAGES = {
      "FloatStorage", "ByteStorage", "LongStorage", "HalfStorage", "BoolStorage", "DoubleStorage"
    };
    private static final int[] ITEM = {4, 1, 8, 2, 1, 8};

    private final Random r;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, byte[]> storages = new LinkedHashMap<>();
    private final Map<String, Integer> storageType = new LinkedHashMap<>();

    /** Values above the innermost MARK, and the counts under each open MARK. */
    private int depth;

    private final List<Integer> marks = new ArrayList<>();
    private int memoIds;

    Generator(Random r) {
      this.r = r;
    }

    byte[] file() throws IOException {
      out.write(0x80);
      out.write(2);
      out.write(']');
      depth = 1;
      out.write('(');
      marks.add(depth);
      depth = 0;
      int ops = 1 + r.nextInt(r.nextInt(10) == 0 ? 3000 : 120);
      for (int i = 0; i < ops; i++) {
        op();
      }
      while (!marks.isEmpty()) {
        closeMark(marks.size() == 1 ? 'e' : "lt".charAt(r.nextInt(2)));
      }
      // Leave exactly the list: pop extras the model knows of (a crafted tail sometimes not).
      while (depth > 1 && r.nextInt(8) != 0) {
        out.write('0');
        depth--;
      }
      out.write('.');
      for (String k : storages.keySet()) {
        if (r.nextInt(30) == 0) {
          byte[] b = storages.get(k);
          storages.put(k, Arrays.copyOf(b, Math.max(0, b.length - 1)));
        }
      }
      return Zips.torchZip(out.toByteArray(), storages);
    }

    private void closeMark(char op) {
      if (op == 'e' && marks.size() == 1) {
        out.write('e');
        marks.remove(marks.size() - 1);
        depth = 1;
        return;
      }
      out.write(op);
      depth = marks.remove(marks.size() - 1) + 1;
    }

    private void op() {
      int pick = r.nextInt(100);
      if (pick < 30) {
        scalar();
      } else if (pick < 38) {
        out.write("])}".charAt(r.nextInt(3)));
        depth++;
      } else if (pick < 46) {
        out.write('(');
        marks.add(depth);
        depth = 0;
      } else if (pick < 56 && !marks.isEmpty() && marks.size() > 1) {
        closeMark("tld".charAt(r.nextInt(3)));
      } else if (pick < 64 && depth >= 1 && depth <= 3) {
        out.write(0x84 + depth); // TUPLE1..3 over everything above the mark
        depth = 1;
      } else if (pick < 70) {
        // a container filled in place: ] x APPEND, or } k v SETITEM (a crafted one sometimes
        // appends to whatever is on the stack)
        boolean list = r.nextBoolean();
        if (r.nextInt(10) != 0) {
          out.write(list ? ']' : '}');
          depth++;
        }
        if (!list) {
          out.writeBytes(Zips.str(key()));
          depth++;
        }
        if (r.nextInt(3) == 0) {
          tensor();
        } else {
          scalar();
        }
        out.write(list ? 'a' : 's');
        depth -= list ? 1 : 2;
        depth = Math.max(depth, 0);
      } else if (pick < 75 && depth >= 1) {
        if (r.nextBoolean()) {
          out.write('q');
          out.write(memoIds++ & 0xFF);
        } else if (memoIds > 0) {
          out.write('h');
          out.write(r.nextInt(memoIds) & 0xFF);
          depth++;
        }
      } else if (pick < 85) {
        tensor();
      } else if (pick < 90) {
        nest();
      } else if (pick < 95) {
        global();
      } else if (depth >= 1) {
        out.write("02".charAt(r.nextInt(2)));
        depth += out.toByteArray()[out.size() - 1] == '2' ? 1 : -1;
      }
    }

    private void scalar() {
      switch (r.nextInt(9)) {
        case 0 -> out.write('N');
        case 1 -> out.write(0x88 + r.nextInt(2));
        case 2 -> {
          out.write('K');
          out.write(r.nextInt(256));
        }
        case 3 -> {
          out.write('J');
          int v = r.nextBoolean() ? r.nextInt() : -31 * r.nextInt(1000);
          out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }
        case 4 -> {
          int n = r.nextInt(12);
          out.write(0x8a);
          out.write(n);
          for (int i = 0; i < n; i++) {
            out.write(r.nextInt(256));
          }
        }
        case 5 -> {
          out.write('G');
          double[] ds = {0.0, -0.0, 1.0, Double.NaN, Double.POSITIVE_INFINITY, 0.5, 1e300};
          out.writeBytes(ByteBuffer.allocate(8).putDouble(ds[r.nextInt(ds.length)]).array());
        }
        default -> out.writeBytes(Zips.str(key()));
      }
      depth++;
    }

    private String key() {
      return switch (r.nextInt(6)) {
        case 0 -> r.nextBoolean() ? "Aa" : "BB";
        case 1 -> "AaBB".repeat(1 + r.nextInt(3));
        case 2 -> "k".repeat(r.nextInt(300));
        case 3 -> "view_position";
        default -> "k" + r.nextInt(20);
      };
    }

    private void nest() {
      int n = r.nextInt(r.nextInt(12) == 0 ? 1500 : 40);
      if (r.nextBoolean()) {
        out.write(')');
        for (int i = 0; i < n; i++) {
          out.write(0x85);
        }
      } else {
        out.write(']');
        for (int i = 0; i < n; i++) {
          out.write(']');
        }
        for (int i = 0; i < n; i++) {
          out.write('a');
        }
      }
      depth++;
    }

    private void global() {
      String[][] names = {
        {"collections", "OrderedDict"}, {"builtins", "set"}, {"torch", "Size"},
        {"builtins", "complex"}, {"_codecs", "encode"}, {"builtins", "bytearray"}
      };
      String[] g = names[r.nextInt(names.length)];
      out.writeBytes(("c" + g[0] + "\n" + g[1] + "\n").getBytes(StandardCharsets.US_ASCII));
      switch (g[1]) {
        case "encode" -> {
          out.writeBytes(Zips.str(key()));
          out.writeBytes(Zips.str("latin1"));
          out.write(0x86);
        }
        case "complex" -> {
          for (int i = 0; i < 2; i++) {
            out.write('G');
            out.writeBytes(ByteBuffer.allocate(8).putDouble(r.nextGaussian()).array());
          }
          out.write(0x86);
        }
        case "OrderedDict", "bytearray" -> out.write(')');
        default -> {
          out.write(']');
          for (int i = r.nextInt(4); i > 0; i--) {
            scalar();
            depth--;
            out.write('a');
          }
          out.write(0x85);
        }
      }
      out.write('R');
      depth++;
    }

    private void tensor() {
      int type = r.nextInt(STORAGES.length);
      String key = Integer.toString(r.nextInt(4));
      Integer known = storageType.putIfAbsent(key, type);
      if (known != null && r.nextInt(10) != 0) {
        type = known;
      }
      int dims = r.nextInt(4);
      long[] size = new long[dims];
      long[] stride = new long[dims];
      boolean wild = r.nextInt(4) == 0;
      long run = 1;
      for (int d = dims - 1; d >= 0; d--) {
        if (wild) {
          size[d] = pickLong(new long[] {0, 1, 2, 3, 7, 1L << 40, 1L << 62});
          stride[d] = pickLong(new long[] {0, 1, 2, 4, 1L << 62, Long.MAX_VALUE});
        } else {
          // in bounds, mostly: contiguous, expanded (stride 0), or a huge stride on size 1
          size[d] = r.nextInt(4) == 0 ? 1L << (30 + r.nextInt(11)) : 1 + r.nextInt(3);
          stride[d] = r.nextBoolean() || size[d] > 3 ? 0 : run;
          if (r.nextInt(6) == 0) {
            size[d] = 1;
            stride[d] = r.nextBoolean() ? Long.MAX_VALUE : 1L << 62;
          }
          run *= stride[d] == 0 ? 1 : Math.min(size[d], 3);
        }
      }
      long offset = wild ? pickLong(new long[] {0, 1, 3, 1L << 40}) : r.nextInt(2);
      int numel =
          storages.containsKey(key)
              ? storages.get(key).length / ITEM[storageType.get(key)]
              : 28 + r.nextInt(36);
      storages.computeIfAbsent(
          key,
          k -> {
            byte[] b = new byte[numel * ITEM[storageType.get(k)]];
            r.nextBytes(b);
            if (storageType.get(k) == 4) {
              for (int i = 0; i < b.length; i++) {
                b[i] &= 1;
              }
            }
            return b;
          });
      ByteArrayOutputStream t = new ByteArrayOutputStream();
      t.writeBytes(Zips.pkl("ctorch._utils\n_rebuild_tensor_v2\n("));
      t.writeBytes(
          Zips.pkl(
              "(",
              Zips.str("storage"),
              "ctorch\n" + STORAGES[type] + "\n",
              Zips.str(key),
              Zips.str("cpu"),
              longOp(numel),
              "tQ",
              longOp(offset),
              "("));
      for (long s : size) {
        t.writeBytes(longOp(s));
      }
      t.write('t');
      t.write('(');
      for (long s : stride) {
        t.writeBytes(longOp(s));
      }
      t.writeBytes(Zips.pkl("t", 0x89, "ccollections\nOrderedDict\n)RtR"));
      out.writeBytes(t.toByteArray());
      depth++;
    }

    private long pickLong(long[] choices) {
      return r.nextInt(4) == 0 ? r.nextInt(5) : choices[r.nextInt(choices.length)];
    }

    private static byte[] longOp(long v) {
      byte[] be = BigInteger.valueOf(v).toByteArray();
      byte[] op = new byte[2 + be.length];
      op[0] = (byte) 0x8a;
      op[1] = (byte) be.length;
      for (int i = 0; i < be.length; i++) {
        op[2 + i] = be[be.length - 1 - i];
      }
      return op;
    }
  }
}
