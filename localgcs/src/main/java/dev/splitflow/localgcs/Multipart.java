package dev.splitflow.localgcs;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a MIME multipart body part by part without holding it in memory: each part's body is a
 * stream that ends at the next boundary.
 */
final class Multipart {
  private final PushbackInputStream in;
  private final byte[] delimiter;
  private boolean finished;
  private PartBody current;

  Multipart(InputStream body, String boundary) throws IOException, GcsError {
    // LF, not CRLF: some clients (gcloud's apitools) end lines with a bare LF. A CR before it is
    // dropped with the delimiter.
    byte[] d = ("\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.delimiter = d;
    this.in = new PushbackInputStream(new BufferedInputStream(body, 65536), d.length + 2);
    // The first boundary has no CRLF before it: pretend it had, then skip the preamble.
    in.unread('\n');
    PartBody preamble = new PartBody();
    preamble.transferTo(OutputStream.nullOutputStream());
    afterDelimiter();
  }

  /** The boundary parameter of a {@code multipart/...} content type, or null. */
  static String boundary(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String p : contentType.split(";")) {
      String t = p.trim();
      if (t.regionMatches(true, 0, "boundary=", 0, 9)) {
        String b = t.substring(9);
        // gcloud quotes it with single quotes.
        boolean quoted =
            b.length() >= 2
                && (b.startsWith("\"") && b.endsWith("\"") || b.startsWith("'") && b.endsWith("'"));
        return quoted ? b.substring(1, b.length() - 1) : b;
      }
    }
    return null;
  }

  /** The next part's headers (case-insensitive), or null after the closing boundary. */
  Map<String, String> nextPart() throws IOException, GcsError {
    if (current != null) {
      current.transferTo(OutputStream.nullOutputStream());
      afterDelimiter();
      current = null;
    }
    if (finished) {
      return null;
    }
    Map<String, String> headers = readHeaders(in);
    current = new PartBody();
    return headers;
  }

  /** The body of the part {@link #nextPart} returned. */
  InputStream body() {
    return current;
  }

  static Map<String, String> readHeaders(InputStream in) throws IOException, GcsError {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String line; !(line = readLine(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  static String readLine(InputStream in) throws IOException, GcsError {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; ; ) {
      b = in.read();
      if (b == -1) {
        throw GcsError.invalid("multipart body ends inside a header block");
      }
      if (b == '\n') {
        break;
      }
      if (line.size() > 16384) {
        throw GcsError.invalid("multipart header line longer than 16 KiB");
      }
      line.write(b);
    }
    String s = line.toString(StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** After a delimiter: "--" closes the body, otherwise the rest of the line is skipped. */
  private void afterDelimiter() throws IOException, GcsError {
    int a = in.read();
    int b = in.read();
    if (a == '-' && b == '-') {
      finished = true;
      return;
    }
    if (a == -1) {
      throw GcsError.invalid("multipart body ends without its closing boundary");
    }
    if (!(a == '\r' && b == '\n')) {
      in.unread(b);
      in.unread(a);
      readLine(in);
    }
  }

  private final class PartBody extends InputStream {
    private boolean done;

    @Override
    public int read() throws IOException {
      if (done) {
        return -1;
      }
      int b = in.read();
      if (b == -1) {
        throw new IOException("multipart body ends inside a part (no closing boundary)");
      }
      if (b == '\r') {
        int c = in.read();
        if (c != -1) {
          in.unread(c);
        }
        if (c == '\n' && atDelimiter()) {
          done = true;
          return -1;
        }
        return b;
      }
      if (b == '\n' && atDelimiterAfterNewline()) {
        done = true;
        return -1;
      }
      return b;
    }

    /** After a CR: is the rest "\n--boundary"? Consumes it if so. */
    private boolean atDelimiter() throws IOException {
      return matchAndConsume(0);
    }

    /** After an LF: is the rest "--boundary"? Consumes it if so. */
    private boolean atDelimiterAfterNewline() throws IOException {
      return matchAndConsume(1);
    }

    private boolean matchAndConsume(int from) throws IOException {
      byte[] rest = new byte[delimiter.length - from];
      int n = in.readNBytes(rest, 0, rest.length);
      boolean match = n == rest.length;
      for (int i = 0; match && i < n; i++) {
        match = rest[i] == delimiter[i + from];
      }
      if (!match) {
        in.unread(rest, 0, n);
      }
      return match;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int i = 0;
      while (i < len) {
        int b = read();
        if (b == -1) {
          break;
        }
        buf[off + i++] = (byte) b;
      }
      return i == 0 && done ? -1 : i;
    }
  }
}
