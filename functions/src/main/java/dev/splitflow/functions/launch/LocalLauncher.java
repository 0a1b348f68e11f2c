package dev.splitflow.functions.launch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.output.ChunkNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Dataflow's stand-in for local runs and end-to-end tests: runs the pipeline's shaded jar in a
 * child process (as Dataflow runs the template in its own VMs) over a local copy of the batch
 * folder, uploads the outputs with the manifest last, and then posts to the verifier the events
 * Cloud Storage and Dataflow would post: the manifest's finalize, or the job's FAILED status.
 *
 * <p>Like Dataflow, a name that is already running is not started twice.
 */
public final class LocalLauncher implements SplitLauncher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Storage storage;
  private final LaunchConfig.LocalSettings settings;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, String> active = new ConcurrentHashMap<>();

  public LocalLauncher(Storage storage, LaunchConfig.LocalSettings settings) {
    this.storage = storage;
    this.settings = settings;
  }

  @Override
  public synchronized LaunchedJob launch(LaunchRequest request) throws LaunchException {
    String running = active.get(request.jobName());
    Path dir = settings.workDir().resolve(request.jobName());
    if (running != null) {
      return new LaunchedJob(running, request.jobName(), true, dir.resolve("job.log").toString());
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
    Thread t = new Thread(() -> runJob(request, jobId, dir), "local-job-" + jobId);
    t.setDaemon(true);
    t.start();
    return new LaunchedJob(jobId, request.jobName(), false, dir.resolve("job.log").toString());
  }

  private void runJob(LaunchRequest r, String jobId, Path dir) {
    Path log = dir.resolve("job.log");
    String state = "JOB_STATE_FAILED";
    try {
      deleteTree(dir);
      Path in = Files.createDirectories(dir.resolve("in"));
      Path out = Files.createDirectories(dir.resolve("out"));
      Gs input = Gs.parse(r.parameters().get(TemplateParameters.INPUT));
      Gs output = Gs.parse(r.parameters().get(TemplateParameters.OUTPUT));
      download(input, in, "batch_");
      download(output, out, ChunkNames.INDICES);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-jar");
      cmd.add(settings.pipelineJar().toString());
      cmd.add("split");
      for (Map.Entry<String, String> p : r.parameters().entrySet()) {
        String v =
            switch (p.getKey()) {
              case TemplateParameters.INPUT -> in + "/";
              case TemplateParameters.OUTPUT -> out + "/";
              default -> p.getValue();
            };
        cmd.add("--" + p.getKey() + "=" + v);
      }
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (p.waitFor() == 0) {
        upload(out, output);
        state = "JOB_STATE_DONE";
      }
    } catch (Exception e) {
      try {
        Files.writeString(
            log,
            "local launcher: " + e + "\n",
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // The status event still says FAILED.
      }
    } finally {
      active.remove(r.jobName());
    }
    try {
      if (state.equals("JOB_STATE_DONE")) {
        Gs output = Gs.parse(r.parameters().get(TemplateParameters.OUTPUT));
        Blob m = storage.get(BlobId.of(output.bucket(), output.prefix() + ChunkNames.MANIFEST));
        postFinalize(m);
      }
      postStatus(r, jobId, state);
    } catch (Exception e) {
      System.err.println("local launcher: could not post events for " + jobId + ": " + e);
    }
  }

  private record Gs(String bucket, String prefix) {
    static Gs parse(String uri) {
      URI u = URI.create(uri);
      String path = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
      return new Gs(u.getHost(), path.isEmpty() || path.endsWith("/") ? path : path + "/");
    }
  }

  private void download(Gs from, Path to, String namePrefix) throws IOException {
    for (Blob b :
        storage
            .list(
                from.bucket(),
                Storage.BlobListOption.prefix(from.prefix() + namePrefix),
                Storage.BlobListOption.currentDirectory())
            .iterateAll()) {
      if (b.isDirectory()) {
        continue;
      }
      Path target = to.resolve(b.getName().substring(from.prefix().length()));
      try (ReadChannel rc =
              storage.reader(BlobId.of(b.getBucket(), b.getName(), b.getGeneration()));
          InputStream is = Channels.newInputStream(rc)) {
        Files.copy(is, target);
      }
    }
  }

  /**
   * Chunks and indices first, the manifest last (its finalize means "complete"), stale ones out.
   */
  private void upload(Path out, Gs to) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(out)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    Set<String> names = ConcurrentHashMap.newKeySet();
    Path manifest = null;
    for (Path f : files) {
      String name = f.getFileName().toString();
      names.add(name);
      if (name.equals(ChunkNames.MANIFEST)) {
        manifest = f;
        continue;
      }
      put(f, to.bucket(), to.prefix() + name);
    }
    for (Blob b :
        storage
            .list(
                to.bucket(),
                Storage.BlobListOption.prefix(to.prefix()),
                Storage.BlobListOption.currentDirectory())
            .iterateAll()) {
      String name = b.getName().substring(to.prefix().length());
      if (!b.isDirectory() && ChunkNames.parse(name).isPresent() && !names.contains(name)) {
        storage.delete(BlobId.of(b.getBucket(), b.getName()));
      }
    }
    if (manifest == null) {
      throw new IOException("the pipeline wrote no " + ChunkNames.MANIFEST + " in " + out);
    }
    put(manifest, to.bucket(), to.prefix() + ChunkNames.MANIFEST);
  }

  private void put(Path file, String bucket, String name) throws IOException {
    try (WriteChannel w = storage.writer(BlobInfo.newBuilder(bucket, name).build());
        OutputStream os = Channels.newOutputStream(w)) {
      Files.copy(file, os);
    }
  }

  private void postFinalize(Blob m) throws IOException, InterruptedException {
    ObjectNode data = JSON.createObjectNode();
    data.put("bucket", m.getBucket());
    data.put("name", m.getName());
    data.put("generation", Long.toString(m.getGeneration()));
    data.put("size", Long.toString(m.getSize()));
    data.put("crc32c", m.getCrc32c());
    post(
        "google.cloud.storage.object.v1.finalized",
        "//storage.googleapis.com/projects/_/buckets/" + m.getBucket(),
        "objects/" + m.getName(),
        data);
  }

  private void postStatus(LaunchRequest r, String jobId, String state)
      throws IOException, InterruptedException {
    ObjectNode data = JSON.createObjectNode();
    ObjectNode job = data.putObject("payload");
    job.put("id", jobId);
    job.put("name", r.jobName());
    job.put("currentState", state);
    job.put("currentStateTime", Instant.now().toString());
    ObjectNode labels = job.putObject("labels");
    r.labels().forEach(labels::put);
    labels.put(LaunchRequest.RUN_LABEL, r.runId());
    post(
        "google.cloud.dataflow.job.v1beta3.statusChanged",
        "//dataflow.googleapis.com/projects/local/locations/local",
        "jobs/" + r.jobName(),
        data);
  }

  /** A binary-mode CloudEvent, as Eventarc delivers one. */
  private void post(String type, String source, String subject, ObjectNode data)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(settings.eventsUrl()))
            .timeout(Duration.ofSeconds(600))
            .header("Content-Type", "application/json")
            .header("ce-specversion", "1.0")
            .header("ce-id", java.util.UUID.randomUUID().toString())
            .header("ce-type", type)
            .header("ce-source", source)
            .header("ce-subject", subject)
            .header("ce-time", Instant.now().toString())
            .POST(HttpRequest.BodyPublishers.ofString(data.toString()))
            .build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() / 100 != 2) {
      throw new IOException(
          "posting " + type + " to " + settings.eventsUrl() + ": HTTP " + resp.statusCode());
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
