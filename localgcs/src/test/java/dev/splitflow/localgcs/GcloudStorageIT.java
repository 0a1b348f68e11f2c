package dev.splitflow.localgcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gcloud storage} against the local service, pointed at it the way docs/local.md says.
 * Skipped without gcloud outside CI; a failure in CI.
 */
class GcloudStorageIT {
  @TempDir Path dir;
  @TempDir Path work;
  LocalGcs gcs;

  @BeforeEach
  void start() throws Exception {
    boolean present =
        System.getenv("PATH") != null
            && Arrays.stream(System.getenv("PATH").split(":"))
                .anyMatch(p -> Files.isExecutable(Path.of(p, "gcloud")));
    Component.GCLOUD.require(present, "gcloud is not on PATH");
    gcs = LocalGcs.start(dir, "127.0.0.1", 0, null);
    gcs.createBucket("data");
  }

  @AfterEach
  void stop() {
    if (gcs != null) {
      gcs.close();
    }
  }

  private String gcloud(byte[] stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("gcloud", "storage"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().put("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", gcs.url() + "/");
    pb.environment().put("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true");
    pb.environment().put("CLOUDSDK_CORE_PROJECT", "splitflow-local");
    pb.environment().put("CLOUDSDK_CONFIG", work.resolve("gcloud-config").toString());
    pb.redirectError(work.resolve("gcloud.err").toFile());
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin);
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "gcloud timed out");
    assertEquals(
        0,
        p.exitValue(),
        "gcloud " + String.join(" ", args) + ": " + Files.readString(work.resolve("gcloud.err")));
    return out;
  }

  @Test
  void copyListCatDescribeAndRemove() throws Exception {
    Path small = Files.writeString(work.resolve("small.txt"), "hello\n");
    byte[] big = new byte[3_000_000];
    new Random(9).nextBytes(big);
    Path bigFile = Files.write(work.resolve("big.bin"), big);

    gcloud(null, "cp", small.toString(), "gs://data/ds/small.txt");
    gcloud(null, "cp", bigFile.toString(), "gs://data/ds/big.bin");
    gcloud(new byte[0], "cp", "-", "gs://data/ds/_BATCHES_COMPLETE");

    assertArrayEquals(big, Files.readAllBytes(dir.resolve("data/ds/big.bin")));
    assertEquals(0, Files.size(dir.resolve("data/ds/_BATCHES_COMPLETE")));
    assertEquals("hello\n", gcloud(null, "cat", "gs://data/ds/small.txt"));
    String ls = gcloud(null, "ls", "gs://data/ds/");
    assertTrue(
        ls.contains("gs://data/ds/big.bin") && ls.contains("gs://data/ds/_BATCHES_COMPLETE"), ls);
    String gen =
        gcloud(null, "objects", "describe", "gs://data/ds/big.bin", "--format=value(generation)")
            .trim();
    assertEquals(gcs.store().get("data", "ds/big.bin").generation(), Long.parseLong(gen));

    Path back = work.resolve("back.bin");
    gcloud(null, "cp", "gs://data/ds/big.bin", back.toString());
    assertArrayEquals(big, Files.readAllBytes(back));

    gcloud(null, "rm", "gs://data/ds/small.txt");
    assertFalse(Files.exists(dir.resolve("data/ds/small.txt")));
  }
}
