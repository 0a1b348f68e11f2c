package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.functions.invoker.runner.Invoker;
import dev.splitflow.functions.testing.Pipeline;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployable artifact as Cloud Functions runs it: the shaded jar alone on the classpath of the
 * Functions Framework invoker in its own process, configured only by environment variables.
 */
class ShadedJarIT {
  @TempDir Path tmp;

  static Path shadedJar() throws IOException {
    Path target = Pipeline.repoRoot().resolve("functions/target");
    try (DirectoryStream<Path> s =
        Files.newDirectoryStream(target, "splitflow-functions-*-all.jar")) {
      for (Path p : s) {
        return p;
      }
    }
    throw new IllegalStateException("no shaded jar in " + target + "; run mvn package first");
  }

  static Path invokerJar() throws Exception {
    return Path.of(Invoker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private Process start(String target, int port, Map<String, String> env, Path log)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-jar",
            invokerJar().toString(),
            "--classpath",
            shadedJar().toString(),
            "--target",
            target,
            "--port",
            Integer.toString(port)));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SPLITFLOW_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static final Map<String, String> ENV =
      Map.of(
          "SPLITFLOW_PROJECT", "p",
          "SPLITFLOW_REGION", "europe-west4",
          "SPLITFLOW_BUCKET", "data",
          "SPLITFLOW_SUMMARY_TOPIC", "projects/p/topics/summaries",
          "SPLITFLOW_TEMPLATE_SPEC", "gs://tpl/splitflow.json",
          "SPLITFLOW_TEMP_LOCATION", "gs://tpl/temp",
          "SPLITFLOW_STAGING_LOCATION", "gs://tpl/staging",
          "SPLITFLOW_WORKER_SERVICE_ACCOUNT", "workers@p.iam.gserviceaccount.com",
          // Nothing listens here: the events below must not need Cloud Storage or Pub/Sub.
          "STORAGE_EMULATOR_HOST", "localhost:9",
          "PUBSUB_EMULATOR_HOST", "localhost:9");

  @Test
  void bothEntryPointsServeCloudEventsFromTheShadedJarAlone() throws Exception {
    for (String target :
        List.of(
            "dev.splitflow.functions.LaunchSplitFunction",
            "dev.splitflow.functions.VerifySplitFunction")) {
      int port = freePort();
      Path log = tmp.resolve(target + ".log");
      // The launcher builds its Dataflow client from application default credentials.
      Map<String, String> env = new HashMap<>(ENV);
      Path adc = tmp.resolve("adc.json");
      Files.writeString(
          adc,
          "{\"type\":\"authorized_user\",\"client_id\":\"x\",\"client_secret\":\"y\","
              + "\"refresh_token\":\"z\"}");
      env.put("GOOGLE_APPLICATION_CREDENTIALS", adc.toString());
      Process p = start(target, port, env, log);
      try {
        HttpRequest event =
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/"))
                .header("Content-Type", "application/json")
                .header("ce-id", "1")
                .header("ce-specversion", "1.0")
                .header("ce-type", "google.cloud.storage.object.v1.finalized")
                .header("ce-source", "//storage.googleapis.com/projects/_/buckets/data")
                .header("ce-subject", "objects/cxr/batch_1.pt")
                .header("ce-time", "2026-11-26T01:00:00Z")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"bucket\":\"data\",\"name\":\"cxr/batch_1.pt\",\"generation\":\"17\"}"))
                .build();
        int status = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (status == 0 && System.nanoTime() < deadline && p.isAlive()) {
          try {
            status =
                HttpClient.newHttpClient()
                    .send(event, HttpResponse.BodyHandlers.discarding())
                    .statusCode();
          } catch (IOException notYet) {
            Thread.sleep(200);
          }
        }
        assertEquals(200, status, target + ": " + Files.readString(log));
        Thread.sleep(200);
        String out = Files.readString(log);
        assertTrue(out.contains("\"severity\":\"INFO\""), out);
        assertTrue(out.contains("ignored gs://data/cxr/batch_1.pt#17"), out);
      } finally {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aMisconfiguredDeploymentFailsAtStartNamingEveryBadVariable() throws Exception {
    Path log = tmp.resolve("bad.log");
    Process p =
        start(
            "dev.splitflow.functions.LaunchSplitFunction",
            freePort(),
            Map.of("SPLITFLOW_BUCKET", "gs://data", "SPLITFLOW_MAX_WORKERS", "0"),
            log);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the invoker should exit");
    String out = Files.readString(log);
    assertTrue(out.contains("LaunchSplitFunction is misconfigured"), out);
    for (String v :
        List.of(
            "SPLITFLOW_PROJECT is not set",
            "SPLITFLOW_REGION is not set",
            "SPLITFLOW_BUCKET must be a bucket name",
            "SPLITFLOW_SUMMARY_TOPIC is not set",
            "SPLITFLOW_MAX_WORKERS must be between 1 and 1000")) {
      assertTrue(out.contains(v), v + " in " + out);
    }
  }
}
