package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.functions.invoker.runner.Invoker;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.PubSubEmulator;
import dev.splitflow.localgcs.cloud.LocalCloud;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ./splitflow local-cloud} promises: the env file, one owner per folder, a clean stop.
 */
class LocalCloudIT {
  @TempDir Path dir;

  static Map<String, String> read(Path env) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(env)) {
      int eq = line.indexOf('=');
      out.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return out;
  }

  static boolean listening(String hostPort) {
    String[] hp = hostPort.replaceFirst("^http://", "").split(":");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void theEnvFileNamesWorkingServicesAndAStopLeavesNothingListening() throws Exception {
    PubSubEmulator.requireEmulator();
    LocalCloud.Settings settings =
        new LocalCloud.Settings(
            dir,
            EndToEndIT.functionsJar(),
            Path.of(Invoker.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
            Pipeline.jar(),
            "splitflow-local",
            "splitflow-data",
            "datasets/",
            Map.of());
    Map<String, String> env;
    try (LocalCloud cloud = LocalCloud.start(settings)) {
      env = read(dir.resolve("local-cloud.env"));
      for (String k :
          List.of(
              "STORAGE_EMULATOR_HOST",
              "PUBSUB_EMULATOR_HOST",
              "SPLITFLOW_PROJECT",
              "SPLITFLOW_BUCKET",
              "SPLITFLOW_DATASETS_PREFIX",
              "SUMMARY_SUBSCRIPTION")) {
        assertTrue(env.containsKey(k) && !env.get(k).isEmpty(), k + " in " + env);
      }
      assertEquals("splitflow-data", env.get("SPLITFLOW_BUCKET"));
      HttpResponse<String> bucket =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              env.get("STORAGE_EMULATOR_HOST") + "/storage/v1/b/splitflow-data"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, bucket.statusCode(), bucket.body());
      assertTrue(
          env.get("SUMMARY_SUBSCRIPTION").matches("projects/splitflow-local/subscriptions/[^/]+"));
      // The subscription exists.
      HttpResponse<String> sub =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://"
                                  + env.get("PUBSUB_EMULATOR_HOST")
                                  + "/v1/"
                                  + env.get("SUMMARY_SUBSCRIPTION")))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, sub.statusCode(), sub.body());
      assertTrue(sub.body().contains(cloud.topic("summaries")), sub.body());

      IOException second = assertThrows(IOException.class, () -> LocalCloud.start(settings));
      assertTrue(
          second.getMessage().contains("another local-cloud is running"), second.getMessage());
      assertTrue(
          Files.exists(dir.resolve("local-cloud.env")), "the second start left the first's file");
    }
    assertFalse(Files.exists(dir.resolve("local-cloud.env")));
    assertFalse(listening(env.get("STORAGE_EMULATOR_HOST")));
    assertFalse(listening(env.get("PUBSUB_EMULATOR_HOST")));
  }
}
