package dev.splitflow.functions.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A local HTTP server that answers like the Dataflow v1b3 REST API, for exactly:
 *
 * <ul>
 *   <li>{@code POST /v1b3/projects/{p}/locations/{l}/flexTemplates:launch}
 *   <li>{@code GET
 *       /v1b3/projects/{p}/locations/{l}/jobs?filter=ACTIVE|TERMINATED|ALL&name=..&pageToken=..}
 *   <li>{@code GET /v1b3/projects/{p}/locations/{l}/jobs/{id}}
 * </ul>
 *
 * <p>By default a launch creates a {@code JOB_STATE_RUNNING} job, unless a job of the same name is
 * active in the same project and location: then it answers 409 {@code ALREADY_EXISTS} with
 * Dataflow's message, as Dataflow does (names are unique only among active jobs, per project and
 * region). The check and the creation are atomic, so concurrent launches of one name create one
 * job. Tests can script the next answers ({@link #enqueue}, {@link #enqueueError}, {@link
 * #enqueueList}), slow every answer down ({@link #setDelay}), add or end jobs ({@link #addJob},
 * {@link #setJobState}) and read every request received ({@link #requests()}).
 *
 * <p>A request body that is not JSON is recorded as a text node; a scripted answer that is not JSON
 * goes out as {@code text/html} (like an error page of a proxy). Errors ({@link DataflowErrors})
 * use Google's JSON error shape: {@code {"error":{"code","message","errors":[{"message",
 * "domain","reason"}],"status"}}}. Request bodies sent gzip-encoded (google-api-client does) are
 * decoded.
 */
public final class FakeDataflowServer implements AutoCloseable {

  /** One request as received. {@code body} is the parsed JSON body, or a missing node. */
  public record Request(
      String method,
      String path,
      String rawQuery,
      Map<String, String> query,
      Map<String, List<String>> headers,
      JsonNode body) {

    public boolean isLaunch() {
      return method.equals("POST") && LAUNCH.matcher(path).matches();
    }

    public boolean isList() {
      return method.equals("GET") && LIST.matcher(path).matches();
    }

    public boolean isGet() {
      return method.equals("GET") && GET.matcher(path).matches();
    }
  }

  /** A scripted answer. */
  private record Answer(int status, String body) {}

  private static final Pattern LAUNCH =
      Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/flexTemplates:launch");
  private static final Pattern LIST =
      Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/jobs");
  private static final Pattern GET =
      Pattern.compile("/v1b3/projects/([^/]+)/locations/([^/]+)/jobs/([^/]+)");

  /** States of jobs that are not finished: their names are taken. */
  public static final Set<String> ACTIVE_STATES =
      Set.of(
          "JOB_STATE_NOT_STARTED",
          "JOB_STATE_PENDING",
          "JOB_STATE_QUEUED",
          "JOB_STATE_RUNNING",
          "JOB_STATE_DRAINING",
          "JOB_STATE_CANCELLING",
          "JOB_STATE_RESOURCE_CLEANING_UP",
          "JOB_STATE_STOPPED");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd_HH_mm_ss").withZone(ZoneOffset.UTC);

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final ConcurrentLinkedDeque<Answer> launchAnswers = new ConcurrentLinkedDeque<>();
  private final ConcurrentLinkedDeque<Answer> listAnswers = new ConcurrentLinkedDeque<>();

  /** All jobs by id, in creation order; guarded by {@code this}. */
  private final Map<String, ObjectNode> jobs = new LinkedHashMap<>();

  private final AtomicInteger idCounter = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;
  private volatile int listPageSize = 25;
  private volatile boolean listNewestFirst = true;
  private Instant lastCreateTime = Instant.EPOCH; // guarded by this

  private FakeDataflowServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("localhost"), 0), 64);
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fake-dataflow");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A started server on a free port of localhost. */
  public static FakeDataflowServer start() throws IOException {
    return new FakeDataflowServer();
  }

  /** {@code http://localhost:PORT/}, for {@code Dataflow.Builder#setRootUrl}. */
  public String rootUrl() {
    return "http://localhost:" + port() + "/";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Every request received so far, in arrival order. */
  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The {@code flexTemplates:launch} requests received so far. */
  public List<Request> launches() {
    return requests().stream().filter(Request::isLaunch).toList();
  }

  /** The {@code jobs.list} requests received so far. */
  public List<Request> lists() {
    return requests().stream().filter(Request::isList).toList();
  }

  /** The next launch (not handled by the default behaviour) answers {@code status} and body. */
  public void enqueue(int status, String jsonBody) {
    launchAnswers.add(new Answer(status, jsonBody));
  }

  /** The next launch answers an error of Google's JSON shape with a typical message. */
  public void enqueueError(int status) {
    enqueueError(status, DataflowErrors.defaultMessage(status));
  }

  /** The next launch answers an error of Google's JSON shape with this message. */
  public void enqueueError(int status, String message) {
    enqueue(status, DataflowErrors.typical(status, message));
  }

  /** The next jobs.list answers {@code status} and body instead of listing the jobs. */
  public void enqueueList(int status, String jsonBody) {
    listAnswers.add(new Answer(status, jsonBody));
  }

  /** Every answer waits this long first (a slow server; {@link Duration#ZERO} for none). */
  public void setDelay(Duration delay) {
    this.delay = delay;
  }

  /** At most this many jobs per jobs.list page (default 25). */
  public void setListPageSize(int size) {
    this.listPageSize = size;
  }

  /** jobs.list order: newest first (default, as Dataflow lists) or oldest first. */
  public void setListNewestFirst(boolean newestFirst) {
    this.listNewestFirst = newestFirst;
  }

  /**
   * Adds a job as if launched earlier, created now (after every job so far).
   *
   * @return its id
   */
  public String addJob(
      String project, String location, String name, String state, Map<String, String> labels) {
    synchronized (this) {
      ObjectNode job = newJob(project, location, name, labels);
      job.put("currentState", state);
      return job.get("id").asText();
    }
  }

  /** Sets a job's state and its state time (e.g. to end it, or to end it an hour ago). */
  public synchronized void setJobState(String id, String state, Instant when) {
    ObjectNode job = jobs.get(id);
    if (job == null) {
      throw new IllegalArgumentException("no job " + id);
    }
    job.put("currentState", state);
    job.put("currentStateTime", time(when));
  }

  /** Copies of all jobs, in creation order. */
  public synchronized List<JsonNode> jobs() {
    return jobs.values().stream().map(j -> (JsonNode) j.deepCopy()).toList();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      String rawQuery = exchange.getRequestURI().getRawQuery();
      JsonNode body = readBody(exchange);
      Request request =
          new Request(
              method,
              path,
              rawQuery,
              query(rawQuery),
              Map.copyOf(exchange.getRequestHeaders()),
              body);
      requests.add(request);

      Duration d = delay;
      if (!d.isZero()) {
        try {
          Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return; // closing
        }
      }

      Answer answer;
      try {
        answer = answer(request);
      } catch (RuntimeException e) {
        answer =
            new Answer(
                500,
                DataflowErrors.errorJson(
                    500, "INTERNAL", "backendError", "fake server failure: " + e));
      }
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      String text = answer.body().strip();
      boolean json = text.startsWith("{") || text.startsWith("[");
      exchange
          .getResponseHeaders()
          .set("Content-Type", (json ? "application/json" : "text/html") + "; charset=UTF-8");
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  private Answer answer(Request request) {
    Matcher m;
    if (request.method().equals("POST") && (m = LAUNCH.matcher(request.path())).matches()) {
      Answer scripted = launchAnswers.poll();
      return scripted != null ? scripted : launch(m.group(1), m.group(2), request.body());
    }
    if (request.method().equals("GET") && (m = LIST.matcher(request.path())).matches()) {
      Answer scripted = listAnswers.poll();
      return scripted != null ? scripted : list(m.group(1), m.group(2), request.query());
    }
    if (request.method().equals("GET") && (m = GET.matcher(request.path())).matches()) {
      return get(m.group(1), m.group(2), m.group(3));
    }
    return new Answer(
        404,
        DataflowErrors.errorJson(
            404,
            "NOT_FOUND",
            "notFound",
            "The requested URL " + request.path() + " was not found on this server."));
  }

  private synchronized Answer launch(String project, String location, JsonNode body) {
    JsonNode parameter = body.path("launchParameter");
    String name = parameter.path("jobName").asText("");
    if (name.isEmpty()) {
      return new Answer(
          400,
          DataflowErrors.errorJson(
              400,
              "INVALID_ARGUMENT",
              "badRequest",
              "("
                  + DataflowErrors.hex()
                  + "): JobName invalid; the name must consist of only the characters"
                  + " [-a-z0-9], starting with a letter and ending with a letter or number"));
    }
    for (ObjectNode job : jobs.values()) {
      if (job.get("projectId").asText().equals(project)
          && job.get("location").asText().equals(location)
          && job.get("name").asText().equals(name)
          && ACTIVE_STATES.contains(job.get("currentState").asText())) {
        return new Answer(409, DataflowErrors.alreadyExistsJson(name));
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    parameter
        .path("environment")
        .path("additionalUserLabels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    ObjectNode job = newJob(project, location, name, labels);
    ObjectNode response = JSON.createObjectNode();
    response.set("job", job.deepCopy());
    return new Answer(200, response.toString());
  }

  private synchronized Answer list(String project, String location, Map<String, String> query) {
    String filter = query.getOrDefault("filter", "ALL");
    String name = query.get("name");
    List<ObjectNode> matching = new ArrayList<>();
    for (ObjectNode job : jobs.values()) {
      boolean active = ACTIVE_STATES.contains(job.get("currentState").asText());
      boolean keep =
          job.get("projectId").asText().equals(project)
              && job.get("location").asText().equals(location)
              && (name == null || job.get("name").asText().equals(name))
              && switch (filter) {
                case "ACTIVE" -> active;
                case "TERMINATED" -> !active;
                default -> true;
              };
      if (keep) {
        matching.add(job);
      }
    }
    if (listNewestFirst) {
      Collections.reverse(matching);
    }
    int pageSize = listPageSize;
    if (query.containsKey("pageSize")) {
      pageSize = Math.min(pageSize, Integer.parseInt(query.get("pageSize")));
    }
    int from = query.containsKey("pageToken") ? Integer.parseInt(query.get("pageToken")) : 0;
    int to = Math.min(matching.size(), from + pageSize);
    ObjectNode response = JSON.createObjectNode();
    if (from < to) {
      ArrayNode array = response.putArray("jobs");
      for (ObjectNode job : matching.subList(from, to)) {
        array.add(job.deepCopy());
      }
    }
    if (to < matching.size()) {
      response.put("nextPageToken", Integer.toString(to));
    }
    return new Answer(200, response.toString());
  }

  private synchronized Answer get(String project, String location, String id) {
    ObjectNode job = jobs.get(id);
    if (job == null
        || !job.get("projectId").asText().equals(project)
        || !job.get("location").asText().equals(location)) {
      return new Answer(
          404,
          DataflowErrors.errorJson(
              404,
              "NOT_FOUND",
              "notFound",
              "("
                  + DataflowErrors.hex()
                  + "): Information about job "
                  + id
                  + " could not be found."));
    }
    return new Answer(200, job.toString());
  }

  /** A new running job, registered; caller holds the lock. */
  private ObjectNode newJob(
      String project, String location, String name, Map<String, String> labels) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    if (!now.isAfter(lastCreateTime)) {
      now = lastCreateTime.plus(1, ChronoUnit.MICROS);
    }
    lastCreateTime = now;
    String id =
        ID_TIME.format(now)
            + "-"
            + (1_000_000_000_000_000L
                + idCounter.incrementAndGet() * 7_919L
                + ThreadLocalRandom.current().nextInt(1000));
    ObjectNode job = JSON.createObjectNode();
    job.put("id", id);
    job.put("projectId", project);
    job.put("name", name);
    job.put("type", "JOB_TYPE_BATCH");
    job.put("location", location);
    job.put("currentState", "JOB_STATE_RUNNING");
    job.put("currentStateTime", time(now));
    job.put("createTime", time(now));
    job.put("startTime", time(now));
    ObjectNode labelNode = job.putObject("labels");
    labels.forEach(labelNode::put);
    jobs.put(id, job);
    return job;
  }

  private static String time(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant);
  }

  private static JsonNode readBody(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding != null && encoding.equalsIgnoreCase("gzip")) {
      in = new GZIPInputStream(in);
    }
    byte[] bytes = in.readAllBytes();
    if (bytes.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return TextNode.valueOf(new String(bytes, StandardCharsets.UTF_8)); // not JSON: answers 400
    }
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }
}
