package dev.splitflow.localgcs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code POST /batch/storage/v1}: a {@code multipart/mixed} body whose parts are HTTP requests
 * ({@code application/http}), answered with a {@code multipart/mixed} of HTTP responses in the same
 * order, each with {@code Content-ID: response-<the request's Content-ID>}. Beam's gcsio sends its
 * copies and deletes this way.
 */
final class Batch {
  private Batch() {}

  static final int MAX_PARTS = 100;

  static Resp handle(Req r, Function<Req, Resp> dispatch) throws IOException, GcsError {
    String boundary = Multipart.boundary(r.header("Content-Type"));
    if (!r.method.equals("POST") || boundary == null) {
      throw GcsError.invalid("a batch request is a POST with a multipart/mixed body");
    }
    Multipart mp = new Multipart(r.body, boundary);
    String out = "batch_" + DiskStore.tempName();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int parts = 0;
    for (Map<String, String> headers; (headers = mp.nextPart()) != null; ) {
      if (++parts > MAX_PARTS) {
        throw GcsError.invalid("a batch request may hold at most " + MAX_PARTS + " requests");
      }
      byte[] http = mp.body().readAllBytes();
      Resp resp = dispatch.apply(parse(http, r.baseUrl));
      String id = headers.get("Content-ID");
      body.write(ascii("--" + out + "\r\nContent-Type: application/http\r\n"));
      if (id != null) {
        String inner =
            id.startsWith("<") && id.endsWith(">") ? id.substring(1, id.length() - 1) : id;
        body.write(ascii("Content-ID: <response-" + inner + ">\r\n"));
      }
      body.write(ascii("\r\n"));
      body.write(serialize(resp));
      body.write(ascii("\r\n"));
    }
    body.write(ascii("--" + out + "--\r\n"));
    return Resp.bytes(200, body.toByteArray(), "multipart/mixed; boundary=" + out);
  }

  private static Req parse(byte[] http, String baseUrl) throws IOException, GcsError {
    InputStream in = new ByteArrayInputStream(http);
    String line = Multipart.readLine(in);
    while (line.isEmpty()) {
      line = Multipart.readLine(in);
    }
    String[] requestLine = line.split(" ");
    if (requestLine.length < 2) {
      throw GcsError.invalid("bad request line in batch part: " + line);
    }
    URI uri = URI.create(requestLine[1]);
    Map<String, String> headers = Multipart.readHeaders(in);
    Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((k, v) -> h.put(k, List.of(v)));
    byte[] rest = in.readAllBytes();
    String len = headers.get("Content-Length");
    if (len != null) {
      rest = Arrays.copyOf(rest, Math.min(rest.length, Integer.parseInt(len.trim())));
    }
    return new Req(
        requestLine[0],
        uri.getRawPath(),
        uri.getRawQuery(),
        h,
        new ByteArrayInputStream(rest),
        baseUrl);
  }

  private static byte[] serialize(Resp resp) throws IOException {
    byte[] content;
    if (resp.file != null) {
      try (var ch = resp.file) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(resp.length, 1 << 24));
        ch.read(b, resp.offset);
        content = Arrays.copyOf(b.array(), b.position());
      }
    } else {
      content = resp.body;
    }
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ")
        .append(resp.status)
        .append(' ')
        .append(reason(resp.status))
        .append("\r\n");
    List<String> seen = new ArrayList<>();
    resp.headers.forEach(
        (k, v) -> {
          head.append(k).append(": ").append(v).append("\r\n");
          seen.add(k);
        });
    head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.UTF_8));
    out.write(content);
    return out.toByteArray();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 204 -> "No Content";
      case 304 -> "Not Modified";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 412 -> "Precondition Failed";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
