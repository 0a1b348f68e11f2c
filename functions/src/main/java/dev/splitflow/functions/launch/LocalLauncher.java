package dev.splitflow.functions.launch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dataflow's stand-in for local runs and end-to-end tests: runs the Flex Template's main class
 * ({@code dev.splitflow.pipeline.SplitPipeline}) from the pipeline's shaded jar in a child process,
 * on the run's own {@code gs://} paths, as Dataflow runs the template in its VMs. Nothing is
 * copied: the pipeline reads the batches from the bucket and writes the chunks and, last, the
 * manifest there (deleting an earlier manifest first, as on Dataflow); the manifest's finalize
 * reaches the verifier through the bucket's notifications. When the job ends this posts the
 * job-status event Dataflow's Eventarc trigger would post. It keeps one log per job name, {@code
 * <work dir>/<job name>.log}, and nothing else.
 *
 * <p>Like Dataflow, a name that is already running is not started twice.
 */
public final class LocalLauncher implements SplitLauncher {
  static final String MAIN_CLASS = "dev.splitflow.pipeline.SplitPipeline";

  private final LocalSettings settings;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, String> active = new ConcurrentHashMap<>();

  public LocalLauncher(LocalSettings settings) {
    this.settings = settings;
  }

  @Override
  public synchronized LaunchedJob launch(LaunchRequest request) throws LaunchException {
    String running = active.get(request.jobName());
    Path log = settings.workDir().resolve(request.jobName() + ".log");
    if (running != null) {
      return new LaunchedJob(running, request.jobName(), true, log.toString());
    }
    if (!Files.isRegularFile(settings.pipelineJar())) {
      throw new LaunchException(
          "local launcher: pipeline jar "
              + settings.pipelineJar()
              + " not found; build it with"
              + " mvn -pl pipeline -am package -DskipTests",
          false,
          0,
          null);
    }
    String jobId = "local-" + request.runId();
    active.put(request.jobName(), jobId);
    Thread t = new Thread(() -> runJob(request, jobId, log), "local-job-" + jobId);
    t.setDaemon(true);
    t.start();
    return new LaunchedJob(jobId, request.jobName(), false, log.toString());
  }

  /** The child's command line: the template's main class with the template's parameters. */
  List<String> command(LaunchRequest r) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(settings.pipelineJar().toString());
    cmd.add(MAIN_CLASS);
    cmd.add("--runner=DirectRunner");
    for (Map.Entry<String, String> p : r.parameters().entrySet()) {
      cmd.add("--" + p.getKey() + "=" + p.getValue());
    }
    String endpoint = settings.storageEndpoint();
    if (endpoint != null) {
      String base = endpoint.startsWith("http") ? endpoint : "http://" + endpoint;
      base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
      // Beam's hidden GcsOptions: the JSON API root, and no Google credentials.
      cmd.add("--gcsEndpoint=" + base + "/storage/v1/");
      cmd.add(
          "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory");
    }
    return cmd;
  }

  private void runJob(LaunchRequest r, String jobId, Path log) {
    String state = "JOB_STATE_FAILED";
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log, "local launcher: job " + r.jobName() + " (" + jobId + ") " + Instant.now() + "\n");
      ProcessBuilder pb =
          new ProcessBuilder(command(r))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      if (settings.storageEndpoint() != null) {
        pb.environment().put("STORAGE_EMULATOR_HOST", settings.storageEndpoint());
      }
      Process p = pb.start();
      int exit = p.waitFor();
      if (exit == 0) {
        state = "JOB_STATE_DONE";
      }
      Files.writeString(
          log, "local launcher: exit " + exit + ", " + state + "\n", StandardOpenOption.APPEND);
    } catch (Exception e) {
      try {
        Files.writeString(
            log,
            "local launcher: " + e + "\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // The status event still says FAILED.
      }
    } finally {
      active.remove(r.jobName());
    }
    // Eventarc retries a failed delivery; so does this, a few times.
    for (int attempt = 1; attempt <= 5; attempt++) {
      try {
        postStatus(r, jobId, state);
        return;
      } catch (Exception e) {
        System.err.println(
            "local launcher: posting the status of " + jobId + " (attempt " + attempt + "): " + e);
        try {
          Thread.sleep(1000L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void postStatus(LaunchRequest r, String jobId, String state)
      throws IOException, InterruptedException {
    ObjectNode data = Json.MAPPER.createObjectNode();
    ObjectNode job = data.putObject("payload");
    job.put("id", jobId);
    job.put("name", r.jobName());
    job.put("currentState", state);
    job.put("currentStateTime", Instant.now().toString());
    ObjectNode labels = job.putObject("labels");
    r.labels().forEach(labels::put);
    labels.put(LaunchRequest.RUN_LABEL, r.runId());
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(settings.eventsUrl()))
            .timeout(Duration.ofSeconds(600))
            .header("Content-Type", "application/json")
            .header("ce-specversion", "1.0")
            .header("ce-id", UUID.randomUUID().toString())
            .header("ce-type", "google.cloud.dataflow.job.v1beta3.statusChanged")
            .header("ce-source", "//dataflow.googleapis.com/projects/local/locations/local")
            .header("ce-subject", "jobs/" + r.jobName())
            .header("ce-time", Instant.now().toString())
            .header("ce-job", r.jobName())
            .POST(HttpRequest.BodyPublishers.ofString(data.toString()))
            .build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() / 100 != 2) {
      throw new IOException(
          "posting the job status to " + settings.eventsUrl() + ": HTTP " + resp.statusCode());
    }
  }
}
