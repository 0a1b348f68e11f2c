package dev.splitflow.localgcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What no client test pins down: exact statuses, headers and bodies, as curl users see them. */
class WireFormatTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;
  LocalGcs gcs;

  @BeforeEach
  void start() throws Exception {
    gcs = LocalGcs.start(dir, "127.0.0.1", 0, null);
    gcs.createBucket("data");
  }

  @AfterEach
  void stop() {
    gcs.close();
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest.Builder req(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(gcs.url() + pathAndQuery));
  }

  String put(String name, String body, String extraQuery) throws Exception {
    HttpResponse<String> r =
        send(
            req("/upload/storage/v1/b/data/o?uploadType=media&name=" + name + extraQuery)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("generation").asText();
  }

  @Test
  void gzipBodiesMediaHeadersRangesAndNotModified() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write("0123456789".getBytes(StandardCharsets.UTF_8));
    }
    HttpResponse<String> up =
        send(
            req("/upload/storage/v1/b/data/o?uploadType=media&name=d%2Fdigits")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray())));
    JsonNode o = JSON.readTree(up.body());
    assertEquals("10", o.get("size").asText());
    String gen = o.get("generation").asText();

    HttpResponse<String> media =
        send(req("/download/storage/v1/b/data/o/d%2Fdigits?alt=media").header("Range", "bytes=-3"));
    assertEquals(206, media.statusCode());
    assertEquals("789", media.body());
    assertEquals("bytes 7-9/10", media.headers().firstValue("Content-Range").orElse(""));
    assertEquals(gen, media.headers().firstValue("x-goog-generation").orElse(""));
    assertEquals(
        "crc32c=" + o.get("crc32c").asText() + ",md5=" + o.get("md5Hash").asText(),
        media.headers().firstValue("x-goog-hash").orElse(""));
    assertEquals(
        416,
        send(req("/storage/v1/b/data/o/d%2Fdigits?alt=media").header("Range", "bytes=10-"))
            .statusCode());
    assertEquals(
        304,
        send(req("/storage/v1/b/data/o/d%2Fdigits?alt=media&ifGenerationNotMatch=" + gen))
            .statusCode());
  }

  @Test
  void aFailedConditionIs412WithTheErrorBodyClientsParse() throws Exception {
    put("claim", "a", "");
    HttpResponse<String> r =
        send(
            req("/upload/storage/v1/b/data/o?uploadType=media&name=claim&ifGenerationMatch=0")
                .POST(HttpRequest.BodyPublishers.ofString("b")));
    assertEquals(412, r.statusCode());
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertEquals(412, err.get("code").asInt());
    assertEquals("conditionNotMet", err.get("errors").get(0).get("reason").asText());
    HttpResponse<String> missing = send(req("/storage/v1/b/data/o/nothing"));
    assertEquals(404, missing.statusCode());
    assertEquals("notFound", JSON.readTree(missing.body()).at("/error/errors/0/reason").asText());
  }

  @Test
  void resumableUnderTheGcloudPrefixInTwoChunks() throws Exception {
    HttpResponse<String> start =
        send(
            req("/resumable/upload/storage/v1/b/data/o?uploadType=resumable&name=r%2Fx")
                .header("X-Upload-Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, start.statusCode(), start.body());
    String location = start.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith(gcs.url() + "/resumable/upload/"), location);
    HttpResponse<String> first =
        send(
            HttpRequest.newBuilder(URI.create(location))
                .header("Content-Range", "bytes 0-2/*")
                .PUT(HttpRequest.BodyPublishers.ofString("abc")));
    assertEquals(308, first.statusCode());
    assertEquals("bytes=0-2", first.headers().firstValue("Range").orElse(""));
    HttpResponse<String> last =
        send(
            HttpRequest.newBuilder(URI.create(location))
                .header("Content-Range", "bytes 3-4/5")
                .PUT(HttpRequest.BodyPublishers.ofString("de")));
    assertEquals(200, last.statusCode(), last.body());
    assertEquals("text/plain", JSON.readTree(last.body()).get("contentType").asText());
    assertEquals("abcde", send(req("/storage/v1/b/data/o/r%2Fx?alt=media")).body());
  }

  @Test
  void aBatchOfDeletesIsAnsweredPartByPart() throws Exception {
    put("b1", "1", "");
    put("b2", "2", "");
    String body =
        "--XX\r\nContent-Type: application/http\r\nContent-ID: <1>\r\n\r\n"
            + "DELETE /storage/v1/b/data/o/b1 HTTP/1.1\r\n\r\n\r\n"
            + "--XX\r\nContent-Type: application/http\r\nContent-ID: <2>\r\n\r\n"
            + "DELETE /storage/v1/b/data/o/missing HTTP/1.1\r\n\r\n\r\n"
            + "--XX--\r\n";
    HttpResponse<String> r =
        send(
            req("/batch/storage/v1")
                .header("Content-Type", "multipart/mixed; boundary=XX")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertEquals(200, r.statusCode());
    String ct = r.headers().firstValue("Content-Type").orElse("");
    assertTrue(ct.startsWith("multipart/mixed; boundary="), ct);
    assertTrue(r.body().contains("Content-ID: <response-1>\r\n\r\nHTTP/1.1 204"), r.body());
    assertTrue(r.body().contains("Content-ID: <response-2>\r\n\r\nHTTP/1.1 404"), r.body());
    assertEquals(404, send(req("/storage/v1/b/data/o/b1")).statusCode());
    assertEquals(200, send(req("/storage/v1/b/data/o/b2")).statusCode());
  }

  @Test
  void namesThatAreNotFilesAreRefusedClearly() throws Exception {
    HttpResponse<String> r =
        send(
            req("/upload/storage/v1/b/data/o?uploadType=media&name=a%2F..%2F..%2Fescape")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("'..'"), r.body());
    put("f", "x", "");
    HttpResponse<String> clash =
        send(
            req("/upload/storage/v1/b/data/o?uploadType=media&name=f%2Fg")
                .POST(HttpRequest.BodyPublishers.ofString("y")));
    assertEquals(400, clash.statusCode());
    assertTrue(clash.body().contains("an object named 'f' exists"), clash.body());
  }

  @Test
  void faultsAreInjectedOverHttpToo() throws Exception {
    put("x", "1", "");
    send(
        req("/_localgcs/faults")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "[{\"op\":\"get\",\"object\":\"x\",\"statuses\":[503,429]}]")));
    assertEquals(503, send(req("/storage/v1/b/data/o/x")).statusCode());
    assertEquals(429, send(req("/storage/v1/b/data/o/x")).statusCode());
    assertEquals(200, send(req("/storage/v1/b/data/o/x")).statusCode());
    JsonNode stats = JSON.readTree(send(req("/_localgcs/stats")).body());
    assertEquals(2, stats.at("/get:injected/requests").asInt());
  }
}
