package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Object inserts: {@code uploadType=media}, {@code multipart} and {@code resumable} (sessions kept
 * on disk under {@code .localgcs/uploads}, so a restarted service resumes them).
 */
final class Uploads {
  private final DiskStore store;
  private final ObjectsApi api;
  private final Stats stats;
  private final Map<String, Object> sessionLocks = new ConcurrentHashMap<>();

  Uploads(DiskStore store, ObjectsApi api, Stats stats) {
    this.store = store;
    this.api = api;
    this.stats = stats;
  }

  Resp handle(Req r, String bucket) throws IOException, GcsError {
    String uploadId = r.param("upload_id");
    if (uploadId != null) {
      return resumableChunk(r, bucket, uploadId);
    }
    String type = r.query.getOrDefault("uploadType", "media");
    return switch (type) {
      case "media" -> media(r, bucket);
      case "multipart" -> multipart(r, bucket);
      case "resumable" -> startResumable(r, bucket);
      default -> throw GcsError.invalid("unsupported uploadType '" + type + "'");
    };
  }

  private Resp media(Req r, String bucket) throws IOException, GcsError {
    String name = r.param("name");
    api.fault(r, "insert", name);
    Names.checkObject(name);
    store.requireBucket(bucket);
    ObjectNode meta = LocalJson.MAPPER.createObjectNode();
    meta.put("name", name);
    if (r.header("Content-Type") != null) {
      meta.put("contentType", r.header("Content-Type"));
    }
    return finish(r, bucket, meta, r.body);
  }

  private Resp multipart(Req r, String bucket) throws IOException, GcsError {
    String boundary = Multipart.boundary(r.header("Content-Type"));
    if (boundary == null) {
      throw GcsError.invalid("uploadType=multipart needs a multipart/related body with a boundary");
    }
    Multipart mp = new Multipart(r.body, boundary);
    if (mp.nextPart() == null) {
      throw GcsError.invalid("multipart upload has no metadata part");
    }
    JsonNode meta = LocalJson.MAPPER.readTree(mp.body().readAllBytes());
    if (!(meta instanceof ObjectNode m)) {
      throw GcsError.invalid("the metadata part of a multipart upload must be a JSON object");
    }
    if (!m.hasNonNull("name") && r.param("name") != null) {
      m.put("name", r.param("name"));
    }
    api.fault(r, "insert", m.path("name").asText(null));
    Names.checkObject(m.path("name").asText(null));
    store.requireBucket(bucket);
    Map<String, String> partHeaders = mp.nextPart();
    if (partHeaders == null) {
      throw GcsError.invalid("multipart upload has no data part");
    }
    if (!m.hasNonNull("contentType") && partHeaders.get("Content-Type") != null) {
      m.put("contentType", partHeaders.get("Content-Type"));
    }
    return finish(r, bucket, m, mp.body());
  }

  /** Streams {@code data} to a temporary file with its hashes, then commits it. */
  private Resp finish(Req r, String bucket, JsonNode meta, InputStream data)
      throws IOException, GcsError {
    Path tmp = store.newTempFile();
    try {
      Hashing h = new Hashing();
      try (OutputStream out = Files.newOutputStream(tmp)) {
        h.copy(data, out);
      }
      stats.count("insert", h.size(), 0);
      return commit(r, bucket, meta, tmp, h);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private Resp commit(Req r, String bucket, JsonNode meta, Path bytes, Hashing h)
      throws IOException, GcsError {
    String crc = h.crc32c();
    String md5 = h.md5();
    if (meta.hasNonNull("crc32c") && !meta.get("crc32c").asText().equals(crc)) {
      throw GcsError.invalid(
          "Provided CRC32C \""
              + meta.get("crc32c").asText()
              + "\" doesn't match calculated CRC32C \""
              + crc
              + "\".");
    }
    if (meta.hasNonNull("md5Hash") && !meta.get("md5Hash").asText().equals(md5)) {
      throw GcsError.invalid(
          "Provided MD5 hash \""
              + meta.get("md5Hash").asText()
              + "\" doesn't match calculated MD5 hash \""
              + md5
              + "\".");
    }
    String ct =
        meta.hasNonNull("contentType")
            ? meta.get("contentType").asText()
            : "application/octet-stream";
    ObjectMeta draft =
        new ObjectMeta(
            bucket,
            meta.path("name").asText(),
            0,
            1,
            h.size(),
            ct,
            meta.hasNonNull("contentEncoding") ? meta.get("contentEncoding").asText() : null,
            crc,
            md5,
            Instant.EPOCH,
            Instant.EPOCH,
            ObjectsApi.stringMap(meta.path("metadata")),
            null);
    ObjectMeta m = store.commit(draft, bytes, Preconditions.from(r.query));
    return Resp.json(200, m.toResource(r.baseUrl));
  }

  private Resp startResumable(Req r, String bucket) throws IOException, GcsError {
    JsonNode body = ObjectsApi.readJsonBody(r);
    ObjectNode meta = body instanceof ObjectNode o ? o : LocalJson.MAPPER.createObjectNode();
    if (!meta.hasNonNull("name") && r.param("name") != null) {
      meta.put("name", r.param("name"));
    }
    api.fault(r, "insert", meta.path("name").asText(null));
    Names.checkObject(meta.path("name").asText(null));
    store.requireBucket(bucket);
    if (!meta.hasNonNull("contentType") && r.header("X-Upload-Content-Type") != null) {
      meta.put("contentType", r.header("X-Upload-Content-Type"));
    }
    // Conditions are checked when the upload completes, against the object as it is then.
    Preconditions.from(r.query);
    ObjectNode session = LocalJson.MAPPER.createObjectNode();
    session.put("bucket", bucket);
    session.set("metadata", meta);
    ObjectNode q = session.putObject("query");
    r.query.forEach(q::put);
    String id = DiskStore.tempName();
    Path dir = store.uploadsDir();
    Files.write(dir.resolve(id + ".json"), LocalJson.MAPPER.writeValueAsBytes(session));
    Files.createFile(dir.resolve(id + ".data"));
    String path = r.rawPath.startsWith("/resumable/") ? "/resumable" : "";
    String location =
        r.baseUrl
            + path
            + "/upload/storage/v1/b/"
            + bucket
            + "/o?uploadType=resumable&upload_id="
            + id;
    stats.count("insert:start", 0, 0);
    return Resp.empty(200).header("Location", location).header("X-GUploader-UploadID", id);
  }

  private Resp resumableChunk(Req r, String bucket, String id) throws IOException, GcsError {
    if (!id.matches("[0-9a-f]{32}")) {
      throw new GcsError(404, "notFound", "No such upload session: " + id);
    }
    Path dir = store.uploadsDir();
    Path sessionFile = dir.resolve(id + ".json");
    Path data = dir.resolve(id + ".data");
    synchronized (sessionLocks.computeIfAbsent(id, k -> new Object())) {
      if (!Files.exists(sessionFile)) {
        throw new GcsError(
            404, "notFound", "No such upload session (finished or cancelled): " + id);
      }
      JsonNode session = LocalJson.MAPPER.readTree(sessionFile.toFile());
      JsonNode meta = session.get("metadata");
      String name = meta.path("name").asText();
      if (r.method.equals("DELETE")) {
        Files.deleteIfExists(sessionFile);
        Files.deleteIfExists(data);
        return Resp.empty(499);
      }
      api.fault(r, "insert", name);
      long received = Files.size(data);
      String cr = r.header("Content-Range");
      long first = 0;
      long total = -1;
      boolean statusOnly = false;
      if (cr != null) {
        String spec = cr.trim().replaceFirst("^bytes[ =]", "");
        int slash = spec.indexOf('/');
        if (slash < 0) {
          throw GcsError.invalid("Invalid Content-Range: " + cr);
        }
        String range = spec.substring(0, slash);
        String tot = spec.substring(slash + 1);
        total = tot.equals("*") ? -1 : Long.parseLong(tot);
        if (range.equals("*")) {
          statusOnly = true;
        } else {
          first = Long.parseLong(range.substring(0, range.indexOf('-')));
        }
      }
      long n = 0;
      if (!statusOnly) {
        if (first > received) {
          throw new GcsError(
              400,
              "invalid",
              "Content-Range starts at " + first + " but " + received + " bytes were received");
        }
        try (InputStream in = r.body;
            OutputStream out = Files.newOutputStream(data, StandardOpenOption.APPEND)) {
          in.skipNBytes(Math.min(received - first, Long.MAX_VALUE));
          n = in.transferTo(out);
        } catch (EOFException e) {
          n = 0; // the whole chunk was already received
        }
        received = Files.size(data);
      }
      stats.count("insert:chunk", n, 0);
      boolean complete = cr == null || (total >= 0 && received >= total);
      if (total >= 0 && received > total) {
        throw GcsError.invalid("received " + received + " bytes, more than the declared " + total);
      }
      if (!complete) {
        Resp resp = Resp.empty(308);
        if (received > 0) {
          resp.header("Range", "bytes=0-" + (received - 1));
        }
        return resp;
      }
      Hashing h = new Hashing();
      try (InputStream in = Files.newInputStream(data)) {
        h.copy(in, OutputStream.nullOutputStream());
      }
      Map<String, String> query = ObjectsApi.stringMap(session.path("query"));
      Req original =
          new Req("POST", r.rawPath, "", Map.of(), InputStream.nullInputStream(), r.baseUrl);
      original.query.putAll(query);
      Resp resp = commit(original, session.path("bucket").asText(bucket), meta, data, h);
      Files.deleteIfExists(sessionFile);
      Files.deleteIfExists(data);
      sessionLocks.remove(id);
      return resp;
    }
  }
}
