package dev.splitflow.localgcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32C;

/** Copies bytes while computing the CRC32C and MD5 that Cloud Storage reports for them. */
final class Hashing {
  private final CRC32C crc = new CRC32C();
  private final MessageDigest md5;
  private long size;

  Hashing() {
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }

  void update(byte[] b, int off, int len) {
    crc.update(b, off, len);
    md5.update(b, off, len);
    size += len;
  }

  /** Copies {@code in} to {@code out} whole, hashing what passes. */
  long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long n = 0;
    for (int r; (r = in.read(buf)) != -1; ) {
      update(buf, 0, r);
      out.write(buf, 0, r);
      n += r;
    }
    return n;
  }

  long size() {
    return size;
  }

  String crc32c() {
    return Base64.getEncoder()
        .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  String md5() {
    return Base64.getEncoder().encodeToString(md5.digest());
  }
}
