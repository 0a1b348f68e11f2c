package dev.splitflow.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * A channel wrapper that computes, while bytes pass through, the size, the CRC32C in the form Cloud
 * Storage reports ({@code base64} of the 4 big-endian bytes) and the SHA-256 (hex): the checksums
 * of a chunk cost no second read.
 */
public final class Checksums implements WritableByteChannel {
  private final WritableByteChannel out;
  private final CRC32C crc = new CRC32C();
  private final MessageDigest sha;
  private long bytes;

  public Checksums(WritableByteChannel out) {
    this.out = out;
    this.sha = sha256();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    ByteBuffer view = src.duplicate();
    int n = out.write(src);
    view.limit(view.position() + n);
    crc.update(view.duplicate());
    sha.update(view);
    bytes += n;
    return n;
  }

  public long bytes() {
    return bytes;
  }

  /** Base64 of the big-endian CRC32C, as in a Cloud Storage object's {@code crc32c}. */
  public String crc32c() {
    return crc32cBase64((int) crc.getValue());
  }

  public static String crc32cBase64(int crc) {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(crc).array());
  }

  /** Hex SHA-256 of everything written; call once, after the last write. */
  public String sha256Hex() {
    return HexFormat.of().formatHex(sha.digest());
  }

  @Override
  public boolean isOpen() {
    return out.isOpen();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
