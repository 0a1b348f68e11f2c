package dev.splitflow.localgcs.cloud;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./splitflow local-cloud [--dir DIR]}: starts {@link LocalCloud}, prints {@code ready} once
 * DIR/local-cloud.env is written, then each summary as it arrives, until SIGINT or SIGTERM. The
 * launcher script passes the jars with {@code --functions-jar}, {@code --invoker-jar} and {@code
 * --pipeline-jar}.
 */
public final class LocalCloudMain {
  private LocalCloudMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    Path functions = null;
    Path invoker = null;
    Path pipeline = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[++i] : null;
      if (v == null) {
        usage(a + " needs a value");
      }
      switch (a) {
        case "--dir" -> dir = Path.of(v).toAbsolutePath();
        case "--functions-jar" -> functions = Path.of(v);
        case "--invoker-jar" -> invoker = Path.of(v);
        case "--pipeline-jar" -> pipeline = Path.of(v);
        default -> usage("unknown option " + a);
      }
    }
    if (dir == null || functions == null || invoker == null || pipeline == null) {
      usage("--dir, --functions-jar, --invoker-jar and --pipeline-jar are required");
    }
    LocalCloud cloud;
    try {
      cloud =
          LocalCloud.start(
              new LocalCloud.Settings(
                  dir,
                  functions,
                  invoker,
                  pipeline,
                  "splitflow-local",
                  "splitflow-data",
                  "datasets/",
                  Map.of()));
    } catch (IOException e) {
      System.err.println("splitflow local-cloud: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("splitflow local-cloud: stopping");
                  cloud.close();
                  stopped.countDown();
                }));
    System.err.println(
        "storage:  " + cloud.storage().url() + " (files in " + dir.resolve("storage") + ")");
    System.err.println("pubsub:   " + cloud.pubsubHost());
    System.err.println("logs:     " + dir.resolve("logs") + ", jobs in " + dir.resolve("jobs"));
    System.err.println("env:      " + cloud.envFile());
    cloud.printSummaries(System.out);
    System.out.println("ready");
    System.out.flush();
    stopped.await();
  }

  private static void usage(String problem) {
    System.err.println("splitflow local-cloud: " + problem);
    System.err.println("usage: ./splitflow local-cloud [--dir DIR]");
    System.exit(2);
  }
}
