package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.pt.DType;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtWriter;
import dev.splitflow.pt.TensorValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitflowCliTest {
  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SplitflowCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path smallFile() throws IOException {
    Path file = tmp.resolve("batch_1.pt");
    try (PtWriter w =
        new PtWriter(
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            "batch_1")) {
      w.append(
          PtValue.DictValue.of(
              Map.of(
                  "image",
                  TensorValue.of(DType.BFLOAT16, new long[] {2}, new byte[] {1, 2, 3, 4}))));
    }
    return file;
  }

  @Test
  void inspectPrintsTheRecordsAsJson() throws IOException {
    Result r = run("inspect", smallFile().toString());
    assertEquals(0, r.code(), r.err());
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertEquals("zip", doc.get("format").asText());
    JsonNode image = doc.get("records").get(0).get("image");
    assertEquals("bfloat16", image.get("dtype").asText());
    assertEquals(2, image.get("shape").get(0).asInt());
    assertEquals(
        "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a",
        image.get("sha256").asText());
  }

  @Test
  void aBadFileFailsWithOneLineNamingIt() throws IOException {
    Path file = smallFile();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    Result r = run("inspect", file.toString());
    assertEquals(1, r.code());
    assertEquals("", r.out(), "no partial output");
    assertTrue(r.err().startsWith("splitflow: " + file), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void missingFilesAndDirectoriesAreNamed() {
    Result missing = run("inspect", tmp.resolve("nope.pt").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("nope.pt: no such file"), missing.err());
    Result dir = run("inspect", tmp.toString());
    assertEquals(1, dir.code());
    assertTrue(dir.err().contains("is a directory"), dir.err());
  }

  @Test
  void splitPrintsASummaryAndVerifyAgrees() throws IOException {
    Path batches = tmp.resolve("batches");
    Path out = tmp.resolve("out");
    assertEquals(
        0,
        run("generate", batches.toString(), "--batches", "3", "--records", "40", "--image-kib", "4")
            .code());
    Result split = run("split", "--input", batches + "/", "--output", out + "/", "--workers", "2");
    assertEquals(0, split.code(), split.err());
    assertTrue(
        split.out().contains("indices: " + out.resolve("stratification_indices.json")),
        split.out());
    assertTrue(split.out().matches("(?s).*train\s+84 records\s+2 chunks.*"), split.out());
    assertTrue(
        split.out().contains("manifest: " + out.resolve("_SPLIT_MANIFEST.json")), split.out());
    Result verify = run("verify", out.toString(), "--read-chunks");
    assertEquals(0, verify.code(), verify.err());
    assertTrue(verify.out().startsWith("OK "), verify.out());

    Result indices = run("indices", "--input", batches + "/", "--output", out + "/");
    assertEquals(0, indices.code(), indices.err());
    assertTrue(indices.out().contains("reused"), indices.out());
  }

  @Test
  void aFailedSplitEndsWithOneLineNamingTheBadFile() throws IOException {
    Path batches = tmp.resolve("batches");
    run("generate", batches.toString(), "--batches", "2", "--records", "10", "--image-kib", "1");
    Path bad = batches.resolve("batch_2.pt");
    Files.write(bad, Arrays.copyOf(Files.readAllBytes(bad), 300));
    Result r = run("split", "--input", batches + "/", "--output", tmp.resolve("o") + "/");
    assertEquals(1, r.code());
    String last = r.err().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.startsWith("splitflow: ") && last.contains("batch_2.pt"), r.err());
    Result verify = run("verify", tmp.resolve("o").toString());
    assertEquals(1, verify.code());
    // The scan failed before the first change: the output folder was never made.
    assertTrue(verify.err().contains("no such folder"), verify.err());
  }

  @Test
  void demoSplitsASyntheticDatasetAndVerifiesIt() {
    Result r = run("demo", tmp.resolve("demo").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("OK " + tmp.resolve("demo").resolve("output")), r.out());
    assertTrue(Files.exists(tmp.resolve("demo/output/_SPLIT_MANIFEST.json")));
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertEquals(2, run("split", "--input", "x/", "--output", "y/", "--bogus=1").code());
    Result r = run("split", "--input", "x/", "--output", "y/", "--trainRatio=0.9");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("sum"), r.err());
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertEquals(2, run().code());
    assertEquals(2, run("frobnicate").code());
    assertEquals(2, run("inspect").code());
    assertEquals(0, run("help").code());
  }

  /** Every file under {@code dir} with its bytes, to show a refused run changed nothing. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(
            dir.relativize(p).toString(),
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private Path splitOnce(Path batches, Path out) {
    assertEquals(
        0,
        run("generate", batches.toString(), "--batches", "2", "--records", "20", "--image-kib", "1")
            .code());
    Result r = run("split", "--input", batches + "/", "--output", out + "/");
    assertEquals(0, r.code(), r.err());
    return out;
  }

  private static void assertOneUsageLine(Result r, String... parts) {
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    for (String p : parts) {
      assertTrue(r.err().contains(p), "missing '" + p + "' in: " + r.err());
    }
  }

  @Test
  void badOptionValuesNameFlagValueAndWhatIsAcceptedAndChangeNothing() throws IOException {
    Path batches = tmp.resolve("batches");
    Path out = splitOnce(batches, tmp.resolve("out"));
    var before = snapshot(out);
    String in = "--input=" + batches + "/";
    String o = "--output=" + out + "/";
    assertOneUsageLine(run("split", in, o, "--workers", "0"), "--workers", "'0'", "at least 1");
    assertOneUsageLine(run("split", in, o, "--workers=-3"), "--workers", "'-3'");
    assertOneUsageLine(
        run("split", in, o, "--trainRatio", "abc"), "--trainRatio", "'abc'", "0 to 1");
    assertOneUsageLine(run("split", in, o, "--seed=4x"), "--seed", "'4x'", "whole number");
    assertOneUsageLine(run("split", in, o, "--chunkSize=0"), "--chunkSize", "'0'");
    assertOneUsageLine(run("split", in, o, "--bogus=1"), "unknown option --bogus");
    assertOneUsageLine(run("split", in, o, "--seed=1", "--seed=2"), "--seed", "more than once");
    assertOneUsageLine(run("split", in, "--output="), "--output", "''", "not empty");
    assertOneUsageLine(run("split", "--input=  ", o), "--input", "not empty");
    assertOneUsageLine(run("split", in), "--output is required");
    assertOneUsageLine(run("indices", in, "--output", " "), "--output");
    assertEquals(before, snapshot(out));
  }

  @Test
  void helpWorksForEveryCommand() {
    for (String c : new String[] {"split", "indices", "verify", "demo", "generate", "inspect"}) {
      Result r = run(c, "--help");
      assertEquals(0, r.code(), c + ": " + r.err());
      assertTrue(r.out().contains("usage: splitflow"), c + ": " + r.out());
    }
    assertFalse(Files.exists(Path.of("--help")));
  }

  @Test
  void generateRefusesNonPositiveCountsAndWritesNothing() {
    Path dir = tmp.resolve("gen");
    assertOneUsageLine(run("generate", dir.toString(), "--batches", "-1"), "--batches", "'-1'");
    assertOneUsageLine(run("generate", dir.toString(), "--records=0"), "--records", "'0'");
    assertOneUsageLine(run("generate", dir.toString(), "--frames=2"), "unknown option --frames");
    assertFalse(Files.exists(dir));
  }

  @Test
  void verifyOfAMissingFolderSaysSo() {
    Path missing = tmp.resolve("no-such-output");
    Result r = run("verify", missing.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(missing + ": no such folder"), r.err());
    assertFalse(r.err().contains("has not finished"), r.err());
    assertOneUsageLine(run("verify", missing.toString(), "--deep"), "unknown option --deep");
    assertOneUsageLine(run("verify"), "one output folder");
  }

  @Test
  void ioErrorsNameThePathAndTheReason() {
    assertEquals(
        "/out/train_chunk_00000.pt: no space left on device",
        IoErrors.describe(
            new FileSystemException("/out/train_chunk_00000.pt", null, "No space left on device")));
    assertEquals(
        "/out/_SPLIT_MANIFEST.json: permission denied",
        IoErrors.describe(new AccessDeniedException("/out/_SPLIT_MANIFEST.json")));
  }

  @Test
  void aGlobOverTheOutputFolderNeverReadsTheOutputsAndEveryHintIsSafe() throws IOException {
    Path d = tmp.resolve("d");
    assertEquals(
        0,
        run("generate", d.toString(), "--batches", "3", "--records", "30", "--image-kib", "1")
            .code());
    String glob = d + "/*.pt";
    Result first = run("split", "--input", glob, "--output", d + "/");
    assertEquals(0, first.code(), first.err());
    Result again = run("split", "--input", glob, "--output", d + "/");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("reused"), again.out());
    Result recompute = run("split", "--input", glob, "--output", d + "/", "--recomputeIndices");
    assertEquals(0, recompute.code(), recompute.err());
    Result verify = run("verify", d.toString(), "--read-chunks");
    assertEquals(0, verify.code(), verify.out() + verify.err());
    assertTrue(verify.out().matches("(?s).*train\\s+63 records.*"), verify.out());

    var before = snapshot(d);
    Result onlyOutputs = run("split", "--input", d + "/train_chunk_*.pt", "--output", d + "/");
    assertEquals(1, onlyOutputs.code());
    assertTrue(onlyOutputs.err().contains("only splitflow's own outputs"), onlyOutputs.err());
    assertEquals(before, snapshot(d));
  }
}
