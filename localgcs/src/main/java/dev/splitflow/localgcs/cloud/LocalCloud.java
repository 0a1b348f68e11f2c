package dev.splitflow.localgcs.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.localgcs.GcsError;
import dev.splitflow.localgcs.LocalGcs;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The event-driven system on one machine: the Pub/Sub emulator, the local Cloud Storage service
 * with a bucket and the notifications Terraform configures, the topics and (push) subscriptions
 * Terraform creates, both functions in the Functions Framework invoker from the shaded functions
 * jar with the environment Terraform gives them (plus the local launcher), and a relay standing in
 * for Eventarc's Pub/Sub triggers. {@link #close} stops everything it started.
 */
public final class LocalCloud implements AutoCloseable {
  /** What to start, and where. */
  public record Settings(
      Path dir,
      Path functionsJar,
      Path invokerJar,
      Path pipelineJar,
      String project,
      String bucket,
      String datasetsPrefix,
      Map<String, String> extraFunctionEnv) {}

  public static final String NAME_PREFIX = "splitflow";

  private final Settings settings;
  private final List<Process> processes = new ArrayList<>();
  private Process emulator;
  private LocalGcs gcs;
  private PushRelay relay;
  private String pubsubHost;
  private Thread printer;
  private volatile boolean closed;
  private FileChannel lockChannel;
  private FileLock lock;

  private LocalCloud(Settings settings) {
    this.settings = settings;
  }

  public static LocalCloud start(Settings s) throws IOException, InterruptedException {
    LocalCloud c = new LocalCloud(s);
    try {
      c.startAll();
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public Path envFile() {
    return settings.dir().resolve("local-cloud.env");
  }

  public LocalGcs storage() {
    return gcs;
  }

  public String pubsubHost() {
    return pubsubHost;
  }

  public PubSubRest pubsub() {
    return new PubSubRest(pubsubHost);
  }

  public String topic(String id) {
    return "projects/" + settings.project() + "/topics/" + NAME_PREFIX + "-" + id;
  }

  public String subscription(String id) {
    return "projects/" + settings.project() + "/subscriptions/" + NAME_PREFIX + "-" + id;
  }

  /** The full name of the users' pull subscription on the summary topic. */
  public String summarySubscription() {
    return subscription("summaries-example");
  }

  private void startAll() throws IOException, InterruptedException {
    Path dir = settings.dir();
    Files.createDirectories(dir.resolve("logs"));
    lockChannel =
        FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException heldHere) {
      lock = null; // this JVM runs the other one
    }
    if (lock == null) {
      lockChannel.close();
      lockChannel = null;
      throw new IOException(
          "another local-cloud is running with --dir "
              + dir
              + "; stop it first, or give this one another --dir");
    }
    Files.deleteIfExists(envFile());
    for (Path jar :
        List.of(settings.functionsJar(), settings.invokerJar(), settings.pipelineJar())) {
      if (!Files.isRegularFile(jar)) {
        throw new IOException(
            "local-cloud: " + jar + " not found; build with: mvn -B -DskipTests package");
      }
    }
    startEmulator();
    PubSubRest ps = pubsub();
    for (String t : List.of("markers", "manifests", "summaries")) {
      ps.createTopic(topic(t));
    }
    ps.createSubscription(summarySubscription(), topic("summaries"), null);
    ps.createSubscription(subscription("summaries-local-cloud"), topic("summaries"), null);

    gcs = LocalGcs.start(dir.resolve("storage"), "127.0.0.1", 0, pubsubHost);
    gcs.createBucket(settings.bucket());
    // The folder outlives a run; its notification configs name topics of an emulator that is gone.
    gcs.notifications().clear(settings.bucket());
    try {
      // As triggers.tf: markers and manifests to their topics. Terraform narrows each to one
      // dataset folder; locally any folder under the datasets prefix works, and the functions
      // check names themselves.
      gcs.notifications()
          .add(
              settings.bucket(),
              topic("markers"),
              settings.datasetsPrefix(),
              List.of("OBJECT_FINALIZE"),
              "JSON_API_V1",
              Map.of("splitflow-kind", "marker"));
      gcs.notifications()
          .add(
              settings.bucket(),
              topic("manifests"),
              settings.datasetsPrefix(),
              List.of("OBJECT_FINALIZE"),
              "JSON_API_V1",
              Map.of("splitflow-kind", "manifest"));
    } catch (GcsError e) {
      throw new IOException(e.getMessage(), e);
    }

    int launchPort = freePort();
    int verifyPort = freePort();
    String verifyUrl = "http://127.0.0.1:" + verifyPort + "/";
    startFunction("VerifySplitFunction", verifyPort, verifyUrl);
    startFunction("LaunchSplitFunction", launchPort, verifyUrl);
    waitForPort(verifyPort, "VerifySplitFunction", "verify.log");
    waitForPort(launchPort, "LaunchSplitFunction", "launch.log");

    Map<String, String[]> routes = new LinkedHashMap<>();
    routes.put("/launch", new String[] {"http://127.0.0.1:" + launchPort + "/", topic("markers")});
    routes.put("/verify", new String[] {verifyUrl, topic("manifests")});
    relay = new PushRelay(routes);
    ps.createSubscription(subscription("launch-trigger"), topic("markers"), relay.url("/launch"));
    ps.createSubscription(subscription("verify-trigger"), topic("manifests"), relay.url("/verify"));
    writeEnvFile();
  }

  private void startEmulator() throws IOException, InterruptedException {
    Path gcloud = onPath("gcloud");
    if (gcloud == null) {
      throw new IOException(
          "local-cloud needs gcloud with the Pub/Sub emulator: install the Google Cloud CLI"
              + " (https://cloud.google.com/sdk/docs/install) and run `gcloud components install"
              + " pubsub-emulator` (or apt-get install google-cloud-cli-pubsub-emulator)");
    }
    int port = freePort();
    pubsubHost = "127.0.0.1:" + port;
    Path data = Files.createDirectories(settings.dir().resolve("pubsub"));
    Path log = settings.dir().resolve("logs/pubsub.log");
    emulator =
        new ProcessBuilder(
                gcloud.toString(),
                "beta",
                "emulators",
                "pubsub",
                "start",
                "--host-port=" + pubsubHost,
                "--project=" + settings.project(),
                "--data-dir=" + data)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!emulator.isAlive()) {
        throw new IOException(
            "the Pub/Sub emulator did not start (is the pubsub-emulator component installed?): "
                + Files.readString(log));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + pubsubHost + "/"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Still starting.
      }
      Thread.sleep(250);
    }
    throw new IOException("the Pub/Sub emulator did not answer within 90 s; see " + log);
  }

  /** One function in its own invoker process, configured only by environment variables. */
  private void startFunction(String name, int port, String verifyUrl) throws IOException {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:+UseSerialGC",
            "-jar",
            settings.invokerJar().toString(),
            "--classpath",
            settings.functionsJar().toString(),
            "--target",
            "dev.splitflow.functions." + name,
            "--port",
            Integer.toString(port));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(settings.dir().resolve("logs").resolve(logName(name)).toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPLITFLOW_"));
    env.putAll(functionEnv(verifyUrl));
    processes.add(pb.start());
  }

  private static String logName(String function) {
    return function.startsWith("Launch") ? "launch.log" : "verify.log";
  }

  /**
   * What main.tf's launch/verify environment holds, with the local launcher in Dataflow's place.
   */
  Map<String, String> functionEnv(String verifyUrl) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPLITFLOW_PROJECT", settings.project());
    env.put("SPLITFLOW_REGION", "local");
    env.put("SPLITFLOW_BUCKET", settings.bucket());
    env.put("SPLITFLOW_DATASETS_PREFIX", settings.datasetsPrefix());
    env.put("SPLITFLOW_SUMMARY_TOPIC", topic("summaries"));
    env.put("SPLITFLOW_LAUNCHER", "local");
    env.put("SPLITFLOW_LOCAL_PIPELINE_JAR", settings.pipelineJar().toString());
    env.put("SPLITFLOW_LOCAL_EVENTS_URL", verifyUrl);
    env.put("SPLITFLOW_LOCAL_WORK_DIR", settings.dir().resolve("jobs").toString());
    env.put("STORAGE_EMULATOR_HOST", gcs.url());
    env.put("PUBSUB_EMULATOR_HOST", pubsubHost);
    env.putAll(settings.extraFunctionEnv());
    return env;
  }

  private void waitForPort(int port, String name, String log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IOException(
              name
                  + " did not start: "
                  + Files.readString(settings.dir().resolve("logs").resolve(log)));
        }
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IOException(name + " did not listen on port " + port + " within 90 s");
  }

  private void writeEnvFile() throws IOException {
    String env =
        "STORAGE_EMULATOR_HOST="
            + gcs.url()
            + "\n"
            + "PUBSUB_EMULATOR_HOST="
            + pubsubHost
            + "\n"
            + "SPLITFLOW_PROJECT="
            + settings.project()
            + "\n"
            + "SPLITFLOW_BUCKET="
            + settings.bucket()
            + "\n"
            + "SPLITFLOW_DATASETS_PREFIX="
            + settings.datasetsPrefix()
            + "\n"
            + "SUMMARY_SUBSCRIPTION="
            + summarySubscription()
            + "\n"
            + "CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE="
            + gcs.url()
            + "/\n"
            + "CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB=http://"
            + pubsubHost
            + "/\n"
            + "CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true\n"
            + "CLOUDSDK_CORE_PROJECT="
            + settings.project()
            + "\n";
    Path tmp = settings.dir().resolve("local-cloud.env.tmp");
    Files.writeString(tmp, env);
    Files.move(tmp, envFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Prints each summary as it arrives (from local-cloud's own subscription, not the users'). */
  public void printSummaries(PrintStream out) {
    Consumer<JsonNode> show =
        m -> {
          String data =
              new String(
                  Base64.getDecoder().decode(m.path("message").path("data").asText()),
                  StandardCharsets.UTF_8);
          out.println("summary: " + data);
          out.flush();
        };
    printer =
        new Thread(
            () -> {
              PubSubRest ps = pubsub();
              String sub = subscription("summaries-local-cloud");
              while (!closed) {
                try {
                  List<String> acks = new ArrayList<>();
                  for (JsonNode m : ps.pull(sub, 10)) {
                    show.accept(m);
                    acks.add(m.path("ackId").asText());
                  }
                  if (!acks.isEmpty()) {
                    ps.acknowledge(sub, acks);
                  }
                } catch (IOException e) {
                  if (!closed) {
                    try {
                      Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                      return;
                    }
                  }
                }
              }
            },
            "local-cloud-summaries");
    printer.setDaemon(true);
    printer.start();
  }

  @Override
  public void close() {
    closed = true;
    if (lockChannel == null) {
      return; // another instance owns the folder and its env file
    }
    try {
      Files.deleteIfExists(envFile());
    } catch (IOException ignored) {
      // Best effort: a stale file names ports nothing listens on.
    }
    if (relay != null) {
      relay.close();
    }
    for (Process p : processes) {
      stopTree(p);
    }
    if (gcs != null) {
      gcs.close();
    }
    if (emulator != null) {
      stopTree(emulator);
    }
    try {
      lockChannel.close(); // releases the lock
    } catch (IOException ignored) {
      // The OS releases it when this process ends anyway.
    }
  }

  /** gcloud starts the emulator as a grandchild and does not stop it when killed: stop them all. */
  private static void stopTree(Process p) {
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public static Path onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, exe);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
