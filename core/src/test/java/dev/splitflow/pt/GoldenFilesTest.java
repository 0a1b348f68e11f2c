package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files written by real torch ({@code core/src/test/python/make_golden.py}, versions in
 * {@code golden/VERSIONS.json}): the reader must print what torch itself loaded, and must refuse
 * every hostile file with a one-line error that names the defect.
 */
class GoldenFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path GOLDEN =
      Path.of(System.getProperty("splitflow.repo.root", "."))
          .resolve("core/src/test/resources/golden");

  @TestFactory
  Stream<DynamicTest> validFilesReadAsTorchLoadedThem() throws IOException {
    return eachValidFile(
        pt -> {
          String name = pt.getFileName().toString().replaceFirst("\\.pt$", "");
          JsonNode expected = JSON.readTree(pt.resolveSibling(name + ".expected.json").toFile());
          StringBuilder out = new StringBuilder();
          try (PtFile f = PtFile.open(pt)) {
            PtJson.write(f, out);
          }
          compare(expected, JSON.readTree(out.toString()), name);
        });
  }

  /**
   * A list file streams the records {@link PtFile#open} reads; any other file (a root tensor, a
   * legacy root tensor, a state dict) has no records, and streaming refuses it by name without
   * handing anything out. Every valid file is checked one way or the other.
   */
  @TestFactory
  Stream<DynamicTest> validFilesStreamTheRecordsOpenReadsOrAreRefusedAsNotAList()
      throws IOException {
    return eachValidFile(
        pt -> {
          List<String> expected = new ArrayList<>();
          String notAList = null;
          try (PtFile f = PtFile.open(pt)) {
            if (f.root() instanceof PtValue.ListValue) {
              for (PtValue r : f.records()) {
                expected.add(PtJson.toJson(r, true));
              }
            } else {
              notAList = f.root().typeName();
            }
          }
          List<String> streamed = new ArrayList<>();
          try (FileChannel ch = FileChannel.open(pt)) {
            if (notAList == null) {
              PtFile.forEachRecord(
                  ch, pt.toString(), (i, r) -> streamed.add(PtJson.toJson(r, true)));
            } else {
              PtFormatException e =
                  assertThrows(
                      PtFormatException.class,
                      () -> PtFile.forEachRecord(ch, pt.toString(), (i, r) -> streamed.add("?")));
              assertTrue(e.getMessage().startsWith(pt + ": "), e.getMessage());
              assertTrue(
                  e.getMessage()
                      .contains("expected a list of records at the top level, found a " + notAList),
                  e.getMessage());
            }
          }
          assertEquals(expected, streamed);
        });
  }

  @TestFactory
  Stream<DynamicTest> hostileFilesAreRefusedWhenStreamedToo() throws IOException {
    // Printing a record may refuse it (an expansion bomb) before the reader does: that message
    // names the value, not the file.
    return eachHostileFile(
        pt -> {
          try (FileChannel ch = FileChannel.open(pt)) {
            PtFile.forEachRecord(ch, pt.toString(), (i, r) -> PtJson.toJson(r, true));
          }
        },
        false);
  }

  @TestFactory
  Stream<DynamicTest> hostileFilesAreRefusedInOneLine() throws IOException {
    return eachHostileFile(
        pt -> {
          try (PtFile f = PtFile.open(pt)) {
            PtJson.write(f, Writer.nullWriter());
          }
        },
        true);
  }

  /** One test per valid golden file, named after it, running {@code read} on it. */
  private static Stream<DynamicTest> eachValidFile(Reading read) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(GOLDEN.resolve("valid"))) {
      files = s.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
    }
    assertTrue(files.size() >= 20, "golden files missing: run make_golden.py");
    return files.stream()
        .map(pt -> DynamicTest.dynamicTest(pt.getFileName().toString(), () -> read.read(pt)));
  }

  /** Reads one file the way a test means to. */
  @FunctionalInterface
  private interface Reading {
    void read(Path pt) throws Exception;
  }

  /**
   * One test per hostile golden file: {@code read} must refuse it with a {@link PtException} in one
   * line that mentions the defect (and starts with the file's path when {@code namesTheFile}).
   */
  private static Stream<DynamicTest> eachHostileFile(Reading read, boolean namesTheFile)
      throws IOException {
    JsonNode index = JSON.readTree(GOLDEN.resolve("hostile/index.json").toFile());
    assertTrue(index.size() >= 20);
    Iterator<JsonNode> it = index.elements();
    Stream.Builder<DynamicTest> tests = Stream.builder();
    while (it.hasNext()) {
      JsonNode c = it.next();
      String file = c.get("file").asText();
      String mention = c.get("must_mention").asText();
      tests.add(
          DynamicTest.dynamicTest(
              file,
              () -> {
                Path pt = GOLDEN.resolve("hostile").resolve(file);
                PtException e =
                    assertThrows(PtException.class, () -> read.read(pt), c.get("why").asText());
                String msg = e.getMessage();
                if (namesTheFile) {
                  assertTrue(msg.startsWith(pt.toString() + ": "), msg);
                }
                assertFalse(msg.contains("\n"), msg);
                assertTrue(msg.length() <= 2500, "an error line must stay readable: " + msg);
                assertTrue(
                    msg.toLowerCase(Locale.ROOT).contains(mention.toLowerCase(Locale.ROOT)),
                    "error should mention '" + mention + "': " + msg);
              }));
    }
    return tests.build();
  }

  /**
   * Structural equality, except that a tensor or array in the expected file may leave out fields
   * torch.load cannot see (the storage key), and numbers compare by value.
   */
  static void compare(JsonNode expected, JsonNode actual, String path) {
    if (expected.isObject()) {
      if (!actual.isObject()) {
        fail(path + ": expected an object, found " + actual);
      }
      boolean tensorLike = expected.has("sha256");
      if (!tensorLike) {
        List<String> e = fieldNames(expected);
        List<String> a = fieldNames(actual);
        assertEquals(e, a, path + ": keys (in order)");
      }
      for (Map.Entry<String, JsonNode> f :
          (Iterable<Map.Entry<String, JsonNode>>) expected::fields) {
        JsonNode other = actual.get(f.getKey());
        if (other == null) {
          fail(path + ": missing " + f.getKey() + " in " + actual);
        }
        compare(f.getValue(), other, path + "." + f.getKey());
      }
    } else if (expected.isArray()) {
      assertEquals(expected.size(), actual.size(), path + ": length");
      for (int i = 0; i < expected.size(); i++) {
        compare(expected.get(i), actual.get(i), path + "[" + i + "]");
      }
    } else if (expected.isNumber()) {
      assertTrue(actual.isNumber(), path + ": expected a number, found " + actual);
      assertEquals(expected.isIntegralNumber(), actual.isIntegralNumber(), path + ": int vs float");
      if (expected.isIntegralNumber()) {
        assertEquals(expected.bigIntegerValue(), actual.bigIntegerValue(), path);
      } else {
        assertEquals(
            Double.doubleToRawLongBits(expected.doubleValue()),
            Double.doubleToRawLongBits(actual.doubleValue()),
            path + ": " + expected + " vs " + actual);
      }
    } else {
      assertEquals(expected, actual, path);
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
