package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer: JSON, empty, or a byte range of an object's file. */
final class Resp {
  final int status;
  final Map<String, String> headers = new LinkedHashMap<>();
  final byte[] body;
  final FileChannel file;
  final long offset;
  final long length;

  /** Fault injection: close the connection after this many body bytes (-1: never). */
  long dropAfter = -1;

  private Resp(int status, byte[] body, FileChannel file, long offset, long length) {
    this.status = status;
    this.body = body;
    this.file = file;
    this.offset = offset;
    this.length = length;
  }

  static Resp json(int status, JsonNode node) {
    try {
      Resp r = new Resp(status, LocalJson.MAPPER.writeValueAsBytes(node), null, 0, 0);
      r.headers.put("Content-Type", "application/json; charset=UTF-8");
      return r;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Resp empty(int status) {
    return new Resp(status, new byte[0], null, 0, 0);
  }

  static Resp bytes(int status, byte[] body, String contentType) {
    Resp r = new Resp(status, body, null, 0, 0);
    r.headers.put("Content-Type", contentType);
    return r;
  }

  static Resp file(int status, FileChannel file, long offset, long length) {
    return new Resp(status, null, file, offset, length);
  }

  Resp header(String k, String v) {
    headers.put(k, v);
    return this;
  }

  long bodyLength() {
    return file != null ? length : body.length;
  }

  static Resp error(GcsError e) {
    if (e.status() == 304) {
      return empty(304);
    }
    ObjectNode root = LocalJson.MAPPER.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("code", e.status());
    err.put("message", e.getMessage());
    ObjectNode item = err.putArray("errors").addObject();
    item.put("message", e.getMessage());
    item.put("domain", "global");
    item.put("reason", e.reason());
    if (e.status() == 412) {
      item.put("locationType", "header");
      item.put("location", "If-Match");
    }
    return json(e.status(), root);
  }
}
