package dev.splitflow.localgcs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One request, from the HTTP server or from a part of a batch request. */
final class Req {
  final String method;
  final String rawPath;
  final Map<String, String> query;
  final Map<String, String> headers;
  final InputStream body;

  /** Scheme and authority the client used, for links and upload session URLs. */
  final String baseUrl;

  Req(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      InputStream body,
      String baseUrl) {
    this.method = method.toUpperCase(Locale.ROOT);
    this.rawPath = rawPath;
    this.query = parseQuery(rawQuery);
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((k, v) -> h.put(k, v.isEmpty() ? "" : v.get(0)));
    this.headers = h;
    this.body = body;
    this.baseUrl = baseUrl;
  }

  String header(String name) {
    return headers.get(name);
  }

  String param(String name) {
    return query.get(name);
  }

  byte[] bodyBytes(int limit) throws IOException, GcsError {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int r; (r = body.read(buf)) != -1; ) {
      out.write(buf, 0, r);
      if (out.size() > limit) {
        throw GcsError.invalid("request body larger than " + limit + " bytes");
      }
    }
    return out.toByteArray();
  }

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String kv : raw.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = eq < 0 ? kv : kv.substring(0, eq);
      String v = eq < 0 ? "" : kv.substring(eq + 1);
      q.putIfAbsent(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return q;
  }

  /** Percent-decodes one path segment ('+' stays '+', unlike form decoding). */
  static String decodeSegment(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
