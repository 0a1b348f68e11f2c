package dev.splitflow.functions.testing;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.splitflow.localgcs.Faults;
import dev.splitflow.localgcs.LocalGcs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real Cloud Storage client over HTTP against the local Cloud Storage service ({@link
 * LocalGcs}) on a fresh temporary folder with the buckets {@code data} and {@code tpl}. The service
 * stops and its folder goes when the test JVM exits.
 */
public final class TestGcs {
  private final LocalGcs server;
  private final Storage storage;

  private TestGcs(LocalGcs server) {
    this.server = server;
    this.storage =
        StorageOptions.newBuilder()
            .setHost(server.url())
            .setProjectId("splitflow-test")
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
  }

  public static TestGcs start() {
    try {
      Path dir = Files.createTempDirectory("splitflow-gcs-");
      LocalGcs server = LocalGcs.start(dir, "127.0.0.1", 0, null);
      server.createBucket("data");
      server.createBucket("tpl");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    deleteTree(dir);
                  }));
      return new TestGcs(server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client over a fresh store. */
  public static Storage create() {
    return start().storage();
  }

  public Storage storage() {
    return storage;
  }

  public LocalGcs server() {
    return server;
  }

  /** Every write under {@code objectPrefix} answers 403, as without write permission. */
  public void denyWrites(String objectPrefix) {
    server
        .faults()
        .add(
            new Faults.Rule(
                null, "insert", null, Pattern.quote(objectPrefix) + ".*", List.of(403), -1, -1, 0));
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary folder; the OS cleans up the rest.
    }
  }
}
