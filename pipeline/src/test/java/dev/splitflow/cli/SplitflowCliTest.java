package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
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
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
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
  void usageErrorsExitWithTwo() {
    assertEquals(2, run().code());
    assertEquals(2, run("frobnicate").code());
    assertEquals(2, run("inspect").code());
    assertEquals(0, run("help").code());
  }
}
