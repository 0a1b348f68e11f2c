package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./splitflow indices --previousIndices}: what the command line prints and refuses. */
class SplitflowCliVersionsTest {
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

  @Test
  void anExtensionPrintsItsLineageAndGoneFilesAndARelativePathWorks() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticBatch.writeDataset(data, 3, 10, 16, 1);
    Path out = tmp.resolve("out");
    assertEquals(0, run("indices", "--input", data + "/", "--output", out + "/").code());
    Files.delete(data.resolve("batch_2.pt"));
    SyntheticBatch.write(data.resolve("batch_4.pt"), 30, 10, 16, 4);
    Result r =
        run(
            "indices",
            "--input",
            data + "/",
            "--output",
            out + "/",
            "--previousIndices",
            out.resolve("stratification_indices.json").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("(computed)"), r.out());
    assertTrue(
        r.out()
            .matches("(?s).*extends sha256:[0-9a-f]{64}: kept 20, added 10, removed 10 records.*"),
        r.out());
    assertTrue(
        r.out().contains("note: batch_2.pt: all 10 records of the previous version are gone"),
        r.out());
  }

  @Test
  void aPreviousVersionWithOtherSettingsIsRefusedInOneLine() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticBatch.writeDataset(data, 2, 10, 16, 1);
    Path out = tmp.resolve("out");
    assertEquals(0, run("indices", "--input", data + "/", "--output", out + "/").code());
    byte[] before = Files.readAllBytes(out.resolve("stratification_indices.json"));
    Result r =
        run(
            "indices",
            "--input",
            data + "/",
            "--output",
            out + "/",
            "--seed=7",
            "--previousIndices=" + out.resolve("stratification_indices.json"));
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("splitflow: --previousIndices "), r.err());
    assertTrue(r.err().contains("seed: previous indices have 42, run asks for 7"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        Arrays.equals(before, Files.readAllBytes(out.resolve("stratification_indices.json"))));
  }
}
