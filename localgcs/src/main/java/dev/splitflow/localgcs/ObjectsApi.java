package dev.splitflow.localgcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/** Object and bucket operations of the JSON API, except uploads ({@link Uploads}). */
final class ObjectsApi {
  private final DiskStore store;
  private final Faults faults;
  private final Stats stats;

  ObjectsApi(DiskStore store, Faults faults, Stats stats) {
    this.store = store;
    this.faults = faults;
    this.stats = stats;
  }

  /** Applies an injected fault for this request, if one matches; returns its action or null. */
  Faults.Action fault(Req r, String op, String name) throws GcsError {
    Faults.Action a = faults.take(r.method, op, decodedPath(r.rawPath), name);
    if (a == null) {
      return null;
    }
    if (a.delayMillis() > 0) {
      try {
        Thread.sleep(a.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (a.status() != 0) {
      stats.count(op + ":injected", 0, 0);
      throw Faults.error(a.status());
    }
    return a;
  }

  static String decodedPath(String raw) {
    StringBuilder b = new StringBuilder();
    for (String s : raw.split("/", -1)) {
      if (b.length() > 0 || !s.isEmpty()) {
        b.append('/');
      }
      b.append(Req.decodeSegment(s));
    }
    return b.toString();
  }

  Resp getBucket(Req r, String bucket) throws GcsError {
    fault(r, "bucket", null);
    store.requireBucket(bucket);
    return Resp.json(200, bucketResource(r, bucket));
  }

  Resp listBuckets(Req r) throws IOException, GcsError {
    fault(r, "bucket", null);
    ObjectNode o = LocalJson.MAPPER.createObjectNode();
    o.put("kind", "storage#buckets");
    ArrayNode items = o.putArray("items");
    for (String b : store.buckets()) {
      items.add(bucketResource(r, b));
    }
    return Resp.json(200, o);
  }

  Resp insertBucket(Req r) throws IOException, GcsError {
    fault(r, "bucket", null);
    JsonNode body = LocalJson.MAPPER.readTree(r.bodyBytes(1 << 20));
    String name = body.path("name").asText(null);
    Names.checkBucket(name);
    if (store.bucketExists(name)) {
      throw new GcsError(
          409,
          "conflict",
          "Your previous request to create the named bucket succeeded and you already own it.");
    }
    store.createBucket(name);
    return Resp.json(200, bucketResource(r, name));
  }

  private static ObjectNode bucketResource(Req r, String bucket) {
    ObjectNode o = LocalJson.MAPPER.createObjectNode();
    o.put("kind", "storage#bucket");
    o.put("id", bucket);
    o.put("name", bucket);
    o.put("selfLink", r.baseUrl + "/storage/v1/b/" + bucket);
    o.put("location", "US");
    o.put("locationType", "multi-region");
    o.put("storageClass", "STANDARD");
    o.put("metageneration", "1");
    o.put("etag", "CAE=");
    o.put("timeCreated", "2026-01-01T00:00:00.000Z");
    o.put("updated", "2026-01-01T00:00:00.000Z");
    return o;
  }

  Resp getObject(Req r, String bucket, String name) throws IOException, GcsError {
    boolean media = "media".equals(r.param("alt"));
    Faults.Action a = fault(r, media ? "media" : "get", name);
    Long generation = longParam(r, "generation");
    DiskStore.Opened o = store.open(bucket, name, generation, Preconditions.from(r.query));
    if (!media) {
      o.channel().close();
      stats.count("get", 0, 0);
      return Resp.json(200, o.meta().toResource(r.baseUrl));
    }
    return media(r, o, a);
  }

  private Resp media(Req r, DiskStore.Opened o, Faults.Action a) throws IOException, GcsError {
    ObjectMeta m = o.meta();
    long size = m.size();
    long start = 0;
    long end = size - 1;
    boolean partial = false;
    String range = r.header("Range");
    if (range != null && range.startsWith("bytes=") && !range.contains(",")) {
      String spec = range.substring(6).trim();
      int dash = spec.indexOf('-');
      try {
        if (dash == 0) {
          long suffix = Long.parseLong(spec.substring(1));
          start = Math.max(0, size - suffix);
        } else {
          start = Long.parseLong(spec.substring(0, dash));
          if (dash < spec.length() - 1) {
            end = Math.min(end, Long.parseLong(spec.substring(dash + 1)));
          }
        }
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        o.channel().close();
        throw GcsError.invalid("Invalid Range header: " + range);
      }
      if (start >= size && !(size == 0 && start == 0)) {
        o.channel().close();
        stats.count("media", 0, 0);
        throw new GcsError(
            416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
      }
      partial = size > 0 && !(start == 0 && end == size - 1);
    }
    long length = Math.max(0, end - start + 1);
    Resp resp = Resp.file(partial ? 206 : 200, o.channel(), start, length);
    resp.header("Content-Type", m.contentType());
    if (partial) {
      resp.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
    }
    resp.header("Accept-Ranges", "bytes");
    resp.header("ETag", m.etag());
    resp.header(
        "Last-Modified",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(m.updated().atOffset(ZoneOffset.UTC)));
    resp.header("x-goog-generation", Long.toString(m.generation()));
    resp.header("x-goog-metageneration", Long.toString(m.metageneration()));
    resp.header("x-goog-stored-content-length", Long.toString(size));
    resp.header(
        "x-goog-stored-content-encoding",
        m.contentEncoding() == null ? "identity" : m.contentEncoding());
    resp.header("x-goog-storage-class", "STANDARD");
    resp.header("x-goog-hash", "crc32c=" + m.crc32c() + (m.md5() == null ? "" : ",md5=" + m.md5()));
    if (a != null && a.dropAfterBytes() >= 0) {
      resp.dropAfter = a.dropAfterBytes();
    }
    // Bytes are counted as they are sent (LocalGcs.write): a client may stop reading early.
    stats.count("media", 0, 0);
    return resp;
  }

  Resp deleteObject(Req r, String bucket, String name) throws IOException, GcsError {
    fault(r, "delete", name);
    stats.count("delete", 0, 0);
    store.delete(bucket, name, longParam(r, "generation"), Preconditions.from(r.query));
    return Resp.empty(204);
  }

  Resp patchObject(Req r, String bucket, String name) throws IOException, GcsError {
    fault(r, "patch", name);
    stats.count("patch", 0, 0);
    JsonNode body = LocalJson.MAPPER.readTree(r.bodyBytes(1 << 20));
    Map<String, String> md = null;
    if (body.has("metadata")) {
      ObjectMeta cur = store.get(bucket, name);
      md = new TreeMap<>(cur == null ? Map.of() : cur.metadata());
      if (r.method.equals("PUT")) {
        md.clear();
      }
      for (var it = body.get("metadata").fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().isNull()) {
          md.remove(e.getKey());
        } else {
          md.put(e.getKey(), e.getValue().asText());
        }
      }
    }
    String ct = body.hasNonNull("contentType") ? body.get("contentType").asText() : null;
    ObjectMeta m = store.patch(bucket, name, Preconditions.from(r.query), ct, md);
    return Resp.json(200, m.toResource(r.baseUrl));
  }

  Resp list(Req r, String bucket) throws IOException, GcsError {
    String prefix = r.query.getOrDefault("prefix", "");
    fault(r, "list", prefix);
    stats.count("list", 0, 0);
    String delimiter = r.query.getOrDefault("delimiter", "");
    int max = 1000;
    if (r.param("maxResults") != null) {
      max = Math.max(1, Math.min(1000, Integer.parseInt(r.param("maxResults"))));
    }
    String token = r.param("pageToken");
    String after =
        token == null || token.isEmpty()
            ? null
            : new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    boolean versions = "true".equals(r.param("versions"));
    ObjectNode out = LocalJson.MAPPER.createObjectNode();
    out.put("kind", "storage#objects");
    ArrayNode items = out.putArray("items");
    TreeSet<String> prefixes = new TreeSet<>();
    String lastEmitted = null;
    int count = 0;
    boolean more = false;
    for (String n : store.names(bucket, prefix, after)) {
      String rolled = null;
      if (!delimiter.isEmpty()) {
        int i = n.indexOf(delimiter, prefix.length());
        if (i >= 0) {
          rolled = n.substring(0, i + delimiter.length());
        }
      }
      if (rolled != null && prefixes.contains(rolled)) {
        continue;
      }
      if (count == max) {
        more = true;
        break;
      }
      if (rolled != null) {
        prefixes.add(rolled);
        // The next page starts after every name under this prefix.
        lastEmitted = rolled + "\uffff";
      } else {
        ObjectMeta m = store.get(bucket, n);
        if (m != null) {
          items.add(m.toResource(r.baseUrl));
        }
        lastEmitted = n;
      }
      count++;
    }
    if (!versions && items.isEmpty()) {
      out.remove("items");
    }
    if (!prefixes.isEmpty()) {
      ArrayNode p = out.putArray("prefixes");
      prefixes.forEach(p::add);
    }
    if (more) {
      out.put(
          "nextPageToken",
          Base64.getUrlEncoder().withoutPadding().encodeToString(DiskStore.utf8(lastEmitted)));
    }
    return Resp.json(200, out);
  }

  /** {@code rewriteTo} and {@code copyTo}: the copy is done in one call. */
  Resp copy(Req r, String srcBucket, String src, String dstBucket, String dst, boolean rewrite)
      throws IOException, GcsError {
    fault(r, "copy", dst);
    stats.count("copy", 0, 0);
    JsonNode body = readJsonBody(r);
    DiskStore.Opened o =
        store.open(
            srcBucket,
            src,
            longParam(r, "sourceGeneration"),
            Preconditions.from(r.query, "ifSource"));
    ObjectMeta s = o.meta();
    Path tmp = store.newTempFile();
    try (var ch = o.channel();
        OutputStream out = Files.newOutputStream(tmp)) {
      Channels.newInputStream(ch).transferTo(out);
    }
    String ct = body.hasNonNull("contentType") ? body.get("contentType").asText() : s.contentType();
    Map<String, String> md = body.has("metadata") ? stringMap(body.get("metadata")) : s.metadata();
    ObjectMeta draft =
        new ObjectMeta(
            dstBucket,
            dst,
            0,
            1,
            s.size(),
            ct,
            s.contentEncoding(),
            s.crc32c(),
            s.md5(),
            Instant.EPOCH,
            Instant.EPOCH,
            md,
            s.componentCount());
    ObjectMeta m;
    try {
      m = store.commit(draft, tmp, Preconditions.from(r.query));
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (!rewrite) {
      return Resp.json(200, m.toResource(r.baseUrl));
    }
    ObjectNode out = LocalJson.MAPPER.createObjectNode();
    out.put("kind", "storage#rewriteResponse");
    out.put("totalBytesRewritten", Long.toString(m.size()));
    out.put("objectSize", Long.toString(m.size()));
    out.put("done", true);
    out.set("resource", m.toResource(r.baseUrl));
    return Resp.json(200, out);
  }

  Resp compose(Req r, String bucket, String dst) throws IOException, GcsError {
    fault(r, "compose", dst);
    stats.count("compose", 0, 0);
    JsonNode body = readJsonBody(r);
    JsonNode sources = body.path("sourceObjects");
    if (!sources.isArray() || sources.isEmpty() || sources.size() > 32) {
      throw GcsError.invalid("sourceObjects must list 1 to 32 objects");
    }
    Path tmp = store.newTempFile();
    CRC32C crc = new CRC32C();
    long size = 0;
    int components = 0;
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        for (JsonNode s : sources) {
          String name = s.path("name").asText();
          Long gen =
              s.hasNonNull("generation") ? Long.parseLong(s.get("generation").asText()) : null;
          Long match =
              s.path("objectPreconditions").hasNonNull("ifGenerationMatch")
                  ? Long.parseLong(s.path("objectPreconditions").get("ifGenerationMatch").asText())
                  : null;
          DiskStore.Opened o =
              store.open(bucket, name, gen, new Preconditions(match, null, null, null));
          components += o.meta().componentCount() == null ? 1 : o.meta().componentCount();
          try (var in = Channels.newInputStream(o.channel())) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) != -1; ) {
              crc.update(buf, 0, n);
              out.write(buf, 0, n);
              size += n;
            }
          }
        }
      }
      JsonNode dest = body.path("destination");
      String ct =
          dest.hasNonNull("contentType")
              ? dest.get("contentType").asText()
              : "application/octet-stream";
      String crc32c =
          Base64.getEncoder()
              .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
      ObjectMeta draft =
          new ObjectMeta(
              bucket,
              dst,
              0,
              1,
              size,
              ct,
              null,
              crc32c,
              null,
              Instant.EPOCH,
              Instant.EPOCH,
              stringMap(dest.path("metadata")),
              components);
      ObjectMeta m = store.commit(draft, tmp, Preconditions.from(r.query));
      return Resp.json(200, m.toResource(r.baseUrl));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static JsonNode readJsonBody(Req r) throws IOException, GcsError {
    byte[] b = r.bodyBytes(1 << 20);
    if (b.length == 0) {
      return LocalJson.MAPPER.createObjectNode();
    }
    try {
      return LocalJson.MAPPER.readTree(b);
    } catch (JsonProcessingException e) {
      throw GcsError.invalid("request body is not JSON: " + e.getOriginalMessage());
    }
  }

  static Map<String, String> stringMap(JsonNode n) {
    Map<String, String> m = new TreeMap<>();
    n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  static Long longParam(Req r, String name) throws GcsError {
    String v = r.param(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw GcsError.invalid("Invalid value for " + name + ": '" + v + "'");
    }
  }

  static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }
}
