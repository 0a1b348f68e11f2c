package dev.splitflow.localgcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A local Cloud Storage JSON API service over a folder ({@link DiskStore}): what
 * google-cloud-storage, Beam's GcsFileSystem and {@code gcloud storage} need, bucket notifications
 * to the Pub/Sub emulator ({@link Notifications}) and fault injection ({@link Faults}).
 *
 * <p>Besides the JSON API paths it serves {@code /_localgcs/faults} (POST a JSON array of rules,
 * DELETE to clear) and {@code /_localgcs/stats} (GET requests and bytes per operation, DELETE to
 * reset), so tests in other processes can inject faults and measure.
 */
public final class LocalGcs implements AutoCloseable {
  private final DiskStore store;
  private final Faults faults = new Faults();
  private final Stats stats = new Stats();
  private final ObjectsApi objects;
  private final Uploads uploads;
  private final Notifications notifications;
  private final HttpServer server;
  private final ExecutorService executor;

  private LocalGcs(DiskStore store, Notifications notifications, HttpServer server) {
    this.store = store;
    this.notifications = notifications;
    this.server = server;
    this.objects = new ObjectsApi(store, faults, stats);
    this.uploads = new Uploads(store, objects, stats);
    store.onChange(notifications::onChange);
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "localgcs-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::serve);
  }

  /**
   * Starts serving {@code dir} on {@code host:port} (0 for a free port).
   *
   * @param pubsubHost the Pub/Sub emulator's {@code host:port} for notifications, or null
   */
  public static LocalGcs start(Path dir, String host, int port, String pubsubHost)
      throws IOException {
    // Without TCP_NODELAY every small answer waits ~40 ms for the client's delayed ACK (headers
    // and body go out as two writes). The JDK reads this once, when its server first starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    DiskStore store = new DiskStore(dir);
    Notifications n =
        new Notifications(
            store.root().resolve(".localgcs").resolve("notifications.json"), pubsubHost);
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    LocalGcs gcs = new LocalGcs(store, n, server);
    server.start();
    return gcs;
  }

  /** {@code http://host:port}, the value for {@code STORAGE_EMULATOR_HOST}. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    return "http://" + a.getHostString() + ":" + a.getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public DiskStore store() {
    return store;
  }

  public Faults faults() {
    return faults;
  }

  public Stats stats() {
    return stats;
  }

  public Notifications notifications() {
    return notifications;
  }

  public void createBucket(String bucket) throws IOException {
    try {
      store.createBucket(bucket);
    } catch (GcsError e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    notifications.close();
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      InputStream body = ex.getRequestBody();
      if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      String host = ex.getRequestHeaders().getFirst("Host");
      String base = "http://" + (host != null ? host : url().substring(7));
      Req r =
          new Req(
              ex.getRequestMethod(),
              ex.getRequestURI().getRawPath(),
              ex.getRequestURI().getRawQuery(),
              ex.getRequestHeaders(),
              body,
              base);
      Resp resp = dispatch(r);
      try {
        body.transferTo(OutputStream.nullOutputStream());
      } catch (IOException ignored) {
        // The client may close early; the answer is already decided.
      }
      write(ex, r, resp);
    }
  }

  /** Routes one request; every failure becomes a JSON API error answer. */
  Resp dispatch(Req r) {
    try {
      return route(r);
    } catch (GcsError e) {
      return Resp.error(e);
    } catch (JsonProcessingException e) {
      return Resp.error(
          GcsError.invalid("request body is not valid JSON: " + e.getOriginalMessage()));
    } catch (NumberFormatException e) {
      return Resp.error(GcsError.invalid("bad number in request: " + e.getMessage()));
    } catch (IOException | RuntimeException e) {
      System.err.println("localgcs: " + r.method + " " + r.rawPath + ": " + e);
      return Resp.error(new GcsError(500, "internalError", "local storage service: " + e));
    }
  }

  private Resp route(Req r) throws IOException, GcsError {
    String path = r.rawPath;
    if (path.startsWith("/_localgcs/")) {
      return admin(r, path.substring("/_localgcs/".length()));
    }
    if (path.equals("/batch/storage/v1") || path.equals("/batch")) {
      return Batch.handle(r, this::dispatch);
    }
    if (path.startsWith("/resumable/")) {
      path = path.substring("/resumable".length());
    }
    if (path.startsWith("/download/")) {
      path = path.substring("/download".length());
    }
    List<String> s = ObjectsApi.segments(path);
    boolean upload = !s.isEmpty() && s.get(0).equals("upload");
    if (upload) {
      s = s.subList(1, s.size());
    }
    if (s.size() < 2 || !s.get(0).equals("storage") || !s.get(1).equals("v1")) {
      throw new GcsError(404, "notFound", "Not Found: " + r.method + " " + r.rawPath);
    }
    s = s.subList(2, s.size());
    if (s.size() == 1 && s.get(0).equals("b")) {
      return r.method.equals("POST") ? objects.insertBucket(r) : objects.listBuckets(r);
    }
    if (s.isEmpty() || !s.get(0).equals("b")) {
      throw new GcsError(404, "notFound", "Not Found: " + r.rawPath);
    }
    String bucket = Req.decodeSegment(s.get(1));
    if (s.size() == 2) {
      return objects.getBucket(r, bucket);
    }
    if (s.get(2).equals("notificationConfigs")) {
      return notificationConfigs(r, bucket, s.size() > 3 ? Req.decodeSegment(s.get(3)) : null);
    }
    if (!s.get(2).equals("o")) {
      throw new GcsError(404, "notFound", "Not Found: " + r.rawPath);
    }
    if (s.size() == 3) {
      if (upload) {
        return uploads.handle(r, bucket);
      }
      if (r.method.equals("POST")) {
        // A simple upload sent to the non-upload path, as some clients do for empty objects.
        return uploads.handle(r, bucket);
      }
      return objects.list(r, bucket);
    }
    List<String> rest = s.subList(3, s.size());
    for (int i = 1; i + 4 < rest.size() + 1; i++) {
      String verb = rest.get(i);
      if ((verb.equals("rewriteTo") || verb.equals("copyTo"))
          && rest.size() >= i + 5
          && rest.get(i + 1).equals("b")
          && rest.get(i + 3).equals("o")) {
        String src = join(rest.subList(0, i));
        String dstBucket = Req.decodeSegment(rest.get(i + 2));
        String dst = join(rest.subList(i + 4, rest.size()));
        return objects.copy(r, bucket, src, dstBucket, dst, verb.equals("rewriteTo"));
      }
    }
    if (r.method.equals("POST") && rest.size() > 1 && rest.get(rest.size() - 1).equals("compose")) {
      return objects.compose(r, bucket, join(rest.subList(0, rest.size() - 1)));
    }
    String name = join(rest);
    return switch (r.method) {
      case "GET", "HEAD" -> objects.getObject(r, bucket, name);
      case "DELETE" -> objects.deleteObject(r, bucket, name);
      case "PATCH", "PUT" -> objects.patchObject(r, bucket, name);
      default -> throw new GcsError(405, "methodNotAllowed", r.method + " is not allowed here");
    };
  }

  private static String join(List<String> segments) {
    StringBuilder b = new StringBuilder();
    for (String x : segments) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(Req.decodeSegment(x));
    }
    return b.toString();
  }

  private Resp notificationConfigs(Req r, String bucket, String id) throws IOException, GcsError {
    store.requireBucket(bucket);
    if (id == null && r.method.equals("POST")) {
      JsonNode n = ObjectsApi.readJsonBody(r);
      Notifications.Config c = Notifications.fromJson(n, bucket, "");
      return Resp.json(
          200,
          notifications
              .add(
                  bucket,
                  c.topic(),
                  c.prefix(),
                  c.eventTypes(),
                  c.payloadFormat(),
                  c.customAttributes())
              .toResource());
    }
    if (id == null) {
      ObjectNode o = LocalJson.MAPPER.createObjectNode();
      o.put("kind", "storage#notifications");
      ArrayNode items = o.putArray("items");
      notifications.list(bucket).forEach(c -> items.add(c.toResource()));
      return Resp.json(200, o);
    }
    if (r.method.equals("DELETE")) {
      if (!notifications.remove(bucket, id)) {
        throw new GcsError(404, "notFound", "No such notification config: " + id);
      }
      return Resp.empty(204);
    }
    for (Notifications.Config c : notifications.list(bucket)) {
      if (c.id().equals(id)) {
        return Resp.json(200, c.toResource());
      }
    }
    throw new GcsError(404, "notFound", "No such notification config: " + id);
  }

  private Resp admin(Req r, String what) throws IOException, GcsError {
    switch (what) {
      case "faults" -> {
        if (r.method.equals("DELETE")) {
          faults.clear();
          return Resp.empty(204);
        }
        JsonNode rules = ObjectsApi.readJsonBody(r);
        for (JsonNode n : rules.isArray() ? rules : LocalJson.MAPPER.createArrayNode().add(rules)) {
          faults.add(Faults.Rule.fromJson(n));
        }
        return Resp.empty(204);
      }
      case "stats" -> {
        if (r.method.equals("DELETE")) {
          stats.reset();
          return Resp.empty(204);
        }
        return Resp.json(200, stats.toJson());
      }
      case "health" -> {
        return Resp.bytes(200, DiskStore.utf8("ok\n"), "text/plain");
      }
      default -> throw new GcsError(404, "notFound", "no admin endpoint " + what);
    }
  }

  private void write(HttpExchange ex, Req r, Resp resp) throws IOException {
    resp.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    long len = resp.bodyLength();
    boolean noBody =
        r.method.equals("HEAD") || resp.status == 204 || resp.status == 304 || len == 0;
    ex.sendResponseHeaders(resp.status, noBody ? -1 : len);
    if (noBody) {
      if (resp.file != null) {
        resp.file.close();
      }
      return;
    }
    OutputStream out = ex.getResponseBody();
    if (resp.file == null) {
      out.write(resp.body);
      out.flush();
      return;
    }
    try (var ch = resp.file) {
      long limit = resp.dropAfter >= 0 ? Math.min(resp.dropAfter, resp.length) : resp.length;
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      long pos = resp.offset;
      long left = limit;
      try {
        while (left > 0) {
          buf.clear();
          buf.limit((int) Math.min(buf.capacity(), left));
          int n = ch.read(buf, pos);
          if (n < 0) {
            break;
          }
          out.write(buf.array(), 0, n);
          pos += n;
          left -= n;
        }
        out.flush();
      } finally {
        // What the client took before it closed the connection, if it stopped early.
        stats.count("media:sent", 0, pos - resp.offset);
      }
      if (resp.dropAfter >= 0 && resp.dropAfter < resp.length) {
        // Injected: the connection dies mid-body. Closing the exchange short of its declared
        // length makes the JDK server drop the connection.
        throw new IOException("injected: connection dropped after " + limit + " bytes");
      }
    }
  }

  static Map<String, List<String>> noHeaders() {
    return Map.of();
  }
}
