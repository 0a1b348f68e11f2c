package dev.splitflow.localgcs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar splitflow-localgcs-all.jar --dir DIR [--host 127.0.0.1] [--port 0] [--bucket
 * B]... [--notify BUCKET:TOPIC[:PREFIX]]...}: serves DIR until SIGINT/SIGTERM and prints {@code
 * listening http://HOST:PORT} once it answers. Notifications go to {@code PUBSUB_EMULATOR_HOST}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    String host = "127.0.0.1";
    int port = 0;
    List<String> buckets = new ArrayList<>();
    List<String[]> notify = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--dir" -> dir = Path.of(need(a, v));
        case "--host" -> host = need(a, v);
        case "--port" -> port = Integer.parseInt(need(a, v));
        case "--bucket" -> buckets.add(need(a, v));
        case "--notify" -> notify.add(need(a, v).split(":", 3));
        default -> fail("unknown argument '" + a + "'");
      }
      i++;
    }
    if (dir == null) {
      fail("--dir DIR is required (the folder that holds the buckets)");
    }
    String pubsub = System.getenv("PUBSUB_EMULATOR_HOST");
    if (!notify.isEmpty() && (pubsub == null || pubsub.isBlank())) {
      fail("--notify needs PUBSUB_EMULATOR_HOST (the Pub/Sub emulator's host:port)");
    }
    LocalGcs gcs = LocalGcs.start(dir, host, port, pubsub);
    for (String b : buckets) {
      gcs.createBucket(b);
    }
    for (String[] n : notify) {
      if (n.length < 2) {
        fail("--notify takes BUCKET:projects/P/topics/T[:PREFIX], got " + Arrays.toString(n));
      }
      gcs.notifications()
          .add(
              n[0],
              n[1],
              n.length > 2 ? n[2] : "",
              List.of("OBJECT_FINALIZE"),
              "JSON_API_V1",
              Map.of());
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gcs.close();
                  stop.countDown();
                }));
    System.out.println("listening " + gcs.url());
    System.out.flush();
    stop.await();
  }

  private static String need(String flag, String v) {
    if (v == null) {
      fail(flag + " needs a value");
    }
    return v;
  }

  private static void fail(String message) {
    System.err.println("localgcs: " + message);
    System.exit(2);
  }
}
