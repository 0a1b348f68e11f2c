package dev.splitflow.functions.testing;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.cloud.pubsub.v1.stub.GrpcSubscriberStub;
import com.google.cloud.pubsub.v1.stub.SubscriberStubSettings;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import dev.splitflow.testing.Component;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Pub/Sub emulator ({@code gcloud beta emulators pubsub start}) on a free port, so tests
 * exercise the actual client library and wire protocol rather than a fake of our own.
 *
 * <p>Use it as {@code @RegisterExtension static final PubSubEmulator EMULATOR = new
 * PubSubEmulator();} (started before the class, stopped after it) or as {@code try (var e =
 * PubSubEmulator.start()) {...}}.
 *
 * <p>Availability follows the repository's rule for external tools: without gcloud (or its
 * pubsub-emulator component) the tests are skipped, unless {@code CI} is set, where that is a
 * failure, so CI can never pass without running them.
 *
 * <p>gcloud is a Python wrapper that starts the emulator as a Java child and does not take it down
 * when it is itself killed, hence {@link #close} kills the whole process tree.
 */
public final class PubSubEmulator implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  /** How long the emulator may take to answer; it normally takes a few seconds. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private static final String EMULATOR_HOST_ENV = "PUBSUB_EMULATOR_HOST";
  private static final int START_ATTEMPTS = 3; // only a lost race for the free port is retried

  private Path dir;
  private Path log;
  private int port;
  private Process process;

  /** The test class whose beforeAll starts this emulator; empty when started directly. */
  private String owner = "";

  private Thread shutdownHook;
  private ManagedChannel channel;
  private TransportChannelProvider channelProvider;
  private Duration startupTime;

  /** An emulator that starts in {@link #beforeAll}; see {@link #start()} for direct use. */
  public PubSubEmulator() {}

  /** Starts an emulator and waits until it answers; skips or fails the test when unavailable. */
  public static PubSubEmulator start() throws IOException, InterruptedException {
    PubSubEmulator emulator = new PubSubEmulator();
    emulator.startProcess();
    return emulator;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    owner = context.getRequiredTestClass().getName();
    startProcess();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** {@code localhost:PORT}, the form {@value #EMULATOR_HOST_ENV} takes. */
  public String hostPort() {
    requireStarted();
    return "localhost:" + port;
  }

  /** An environment naming this emulator, for code that reads {@value #EMULATOR_HOST_ENV}. */
  public Map<String, String> env() {
    return Map.of(EMULATOR_HOST_ENV, hostPort());
  }

  /** The emulator's combined output (kept after close, for diagnosing a failed test). */
  public Path logFile() {
    requireStarted();
    return log;
  }

  /** Wall time from launching gcloud to the emulator's first successful answer. */
  public Duration startupTime() {
    requireStarted();
    return startupTime;
  }

  /** Creates a topic; returns its full name {@code projects/P/topics/T}. */
  public String createTopic(String project, String topic) throws IOException {
    String name = TopicName.format(project, topic);
    try (TopicAdminClient admin =
        TopicAdminClient.create(
            TopicAdminSettings.newBuilder()
                .setTransportChannelProvider(channelProvider())
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build())) {
      return admin.createTopic(name).getName();
    }
  }

  /** Creates a pull subscription on {@code topic} (a topic id in the same project). */
  public String createSubscription(String project, String subscription, String topic)
      throws IOException {
    try (SubscriptionAdminClient admin =
        SubscriptionAdminClient.create(
            SubscriptionAdminSettings.newBuilder()
                .setTransportChannelProvider(channelProvider())
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build())) {
      return admin
          .createSubscription(
              Subscription.newBuilder()
                  .setName(ProjectSubscriptionName.format(project, subscription))
                  .setTopic(TopicName.format(project, topic))
                  .setAckDeadlineSeconds(10)
                  .build())
          .getName();
    }
  }

  /**
   * Pulls and acks until {@code max} messages arrived or {@code timeout} passed; returns what
   * arrived (possibly fewer, so the test can say what was missing).
   */
  public List<PubsubMessage> pull(String project, String subscription, int max, Duration timeout)
      throws IOException, InterruptedException {
    String name = ProjectSubscriptionName.format(project, subscription);
    List<PubsubMessage> messages = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (GrpcSubscriberStub stub =
        GrpcSubscriberStub.create(
            SubscriberStubSettings.newBuilder()
                .setTransportChannelProvider(channelProvider())
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build())) {
      while (messages.size() < max) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        PullRequest request =
            PullRequest.newBuilder()
                .setSubscription(name)
                .setMaxMessages(max - messages.size())
                .build();
        PullResponse response;
        try {
          response =
              stub.pullCallable()
                  .call(
                      request,
                      GrpcCallContext.createDefault()
                          .withTimeoutDuration(
                              Duration.ofNanos(Math.min(left, Duration.ofSeconds(5).toNanos()))));
        } catch (DeadlineExceededException e) {
          continue; // a long poll that saw nothing; the loop checks the overall deadline
        }
        if (response.getReceivedMessagesCount() == 0) {
          Thread.sleep(50); // in case the emulator answers empty pulls at once
          continue;
        }
        AcknowledgeRequest.Builder ack = AcknowledgeRequest.newBuilder().setSubscription(name);
        for (ReceivedMessage received : response.getReceivedMessagesList()) {
          messages.add(received.getMessage());
          ack.addAckIds(received.getAckId());
        }
        stub.acknowledgeCallable().call(ack.build());
      }
    }
    return messages;
  }

  /** Stops the emulator and every process gcloud started for it. Idempotent. */
  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
      channelProvider = null;
    }
    if (process != null) {
      destroyTree(process);
      process = null;
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running or about to; nothing left to do
      }
      shutdownHook = null;
    }
    if (dir != null) {
      deleteTree(dir.resolve("data"));
    }
  }

  private void startProcess() throws IOException, InterruptedException {
    if (process != null) {
      throw new IllegalStateException("emulator already started on " + hostPort());
    }
    Path gcloud = requireEmulator(owner);
    Path base = Files.isDirectory(Path.of("target")) ? Path.of("target") : null;
    dir =
        base != null
            ? Files.createTempDirectory(base.toAbsolutePath(), "pubsub-emulator-")
            : Files.createTempDirectory("pubsub-emulator-");
    Files.createDirectories(dir.resolve("data")); // gcloud writes env.yaml there but won't mkdir
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      log = dir.resolve("emulator-" + port + ".log");
      long started = System.nanoTime();
      launch(gcloud);
      String failure = awaitReady();
      if (failure == null) {
        startupTime = Duration.ofNanos(System.nanoTime() - started);
        System.err.printf(
            "Pub/Sub emulator on %s ready in %d ms (output: %s)%n",
            hostPort(), startupTime.toMillis(), log);
        return;
      }
      String output = tail(log);
      destroyTree(process);
      process = null;
      boolean portTaken =
          output.toLowerCase(Locale.ROOT).contains("address already in use")
              || output.contains("BindException");
      if (!portTaken || attempt == START_ATTEMPTS) {
        throw new IllegalStateException(
            "Pub/Sub emulator " + failure + "; its output (" + log + "):\n" + output);
      }
    }
  }

  private void launch(Path gcloud) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                gcloud.toString(),
                "beta",
                "emulators",
                "pubsub",
                "start",
                "--host-port=localhost:" + port,
                "--data-dir=" + dir.resolve("data"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // The emulator is a Java program; make sure it finds one, the one running the tests first.
    Path javaBin = Path.of(System.getProperty("java.home"), "bin");
    String path = builder.environment().getOrDefault("PATH", "");
    builder.environment().put("PATH", javaBin + File.pathSeparator + path);
    builder.environment().remove(EMULATOR_HOST_ENV);
    process = builder.start();
    process.getOutputStream().close(); // a prompt reads EOF instead of waiting forever
    if (shutdownHook == null) {
      shutdownHook = new Thread(this::killQuietly, "pubsub-emulator-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  private void killQuietly() {
    Process p = process;
    if (p != null) {
      destroyTree(p);
    }
  }

  /** Null once it answers, else why not. */
  private String awaitReady() throws InterruptedException {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    HttpRequest ping =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return "exited with code " + process.exitValue() + " before answering on " + hostPort();
      }
      try {
        HttpResponse<String> response = http.send(ping, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().startsWith("Ok")) {
          return null;
        }
      } catch (IOException notYet) {
        // connection refused until the server is up
      }
      Thread.sleep(100);
    }
    return "did not answer on " + hostPort() + " within " + START_TIMEOUT.toSeconds() + " s";
  }

  private void requireStarted() {
    if (process == null && startupTime == null) {
      throw new IllegalStateException(
          "Pub/Sub emulator not started: register it as a static @RegisterExtension field or"
              + " use PubSubEmulator.start()");
    }
  }

  private synchronized TransportChannelProvider channelProvider() {
    if (process == null) {
      throw new IllegalStateException("Pub/Sub emulator is not running");
    }
    if (channelProvider == null) {
      channel = ManagedChannelBuilder.forTarget(hostPort()).usePlaintext().build();
      channelProvider = FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    }
    return channelProvider;
  }

  /**
   * The gcloud to run; skips (or in CI fails) the calling test when it or the emulator is missing.
   */
  public static Path requireEmulator() throws IOException, InterruptedException {
    return requireEmulator("");
  }

  private static Path requireEmulator(String owner) throws IOException, InterruptedException {
    Optional<Path> gcloud = onPath("gcloud");
    if (gcloud.isEmpty()) {
      unavailable("gcloud is not on PATH (install the Google Cloud CLI)", owner);
    }
    Path root = sdkRoot(gcloud.get());
    if (root == null) {
      unavailable("cannot find the Google Cloud SDK behind " + gcloud.get(), owner);
    }
    if (!Files.isDirectory(root.resolve("platform/pubsub-emulator"))) {
      unavailable(
          "the Pub/Sub emulator is not installed in the Google Cloud SDK at "
              + root
              + " (gcloud components install pubsub-emulator, or apt-get install"
              + " google-cloud-cli-pubsub-emulator)",
          owner);
    }
    return gcloud.get();
  }

  private static void unavailable(String why, String owner) {
    if (owner.isEmpty()) {
      Component.PUBSUB_EMULATOR.unavailable(why);
    } else {
      Component.PUBSUB_EMULATOR.unavailable(why, owner);
    }
  }

  private static Optional<Path> onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** SDK_ROOT/bin/gcloud is the usual layout (behind /usr/bin symlinks); else ask gcloud. */
  private static Path sdkRoot(Path gcloud) throws IOException, InterruptedException {
    Path real = gcloud.toRealPath();
    Path root = real.getParent() == null ? null : real.getParent().getParent();
    if (root != null && Files.isDirectory(root.resolve("platform"))) {
      return root;
    }
    Process info =
        new ProcessBuilder(gcloud.toString(), "info", "--format=value(installation.sdk_root)")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    info.getOutputStream().close();
    String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!info.waitFor(60, TimeUnit.SECONDS)) {
      info.destroyForcibly();
      return null;
    }
    return info.exitValue() == 0 && !out.isEmpty() ? Path.of(out) : null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  /** TERM to gcloud and all its descendants (snapshotted first: they outlive it), then KILL. */
  private static void destroyTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>();
    process.descendants().forEach(tree::add);
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    if (!awaitExit(tree, Duration.ofSeconds(10))) {
      tree.forEach(ProcessHandle::destroyForcibly);
      awaitExit(tree, Duration.ofSeconds(10));
    }
  }

  private static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle p : processes) {
      long left = deadline - System.nanoTime();
      try {
        p.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        // onExit does not fail; treat as gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static String tail(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      int max = 16_000;
      return text.length() <= max ? text : "...\n" + text.substring(text.length() - max);
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(PubSubEmulator::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      // leftovers in target/ or the temp dir are harmless
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // see deleteTree
    }
  }
}
