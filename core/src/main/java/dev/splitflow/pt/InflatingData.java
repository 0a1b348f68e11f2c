package dev.splitflow.pt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Storage bytes of a DEFLATED entry. Deflate has no random access, so reads inflate forward from
 * the last position and restart from the entry's start only when asked to go back. Sequential
 * copies, the common case, inflate each byte once.
 */
final class InflatingData implements StorageRef.Data {
  private final Source src;
  private final ZipDirectory dir;
  private final ZipDirectory.Entry entry;
  private InputStream in;
  private long at;

  InflatingData(Source src, ZipDirectory dir, ZipDirectory.Entry entry) {
    this.src = src;
    this.dir = dir;
    this.entry = entry;
  }

  @Override
  public synchronized void read(long position, ByteBuffer dst) throws IOException {
    try {
      if (in == null || position < at) {
        in = src.inflated(dir.payloadOffset(entry), entry.compressedSize, entry.where());
        at = 0;
      }
      while (at < position) {
        long skipped = in.skip(position - at);
        if (skipped <= 0) {
          throw short_(position);
        }
        at += skipped;
      }
      byte[] buf = new byte[Math.min(dst.remaining(), 64 * 1024)];
      while (dst.hasRemaining()) {
        int n = in.read(buf, 0, Math.min(buf.length, dst.remaining()));
        if (n < 0) {
          throw short_(at);
        }
        dst.put(buf, 0, n);
        at += n;
      }
    } catch (PtFormatException e) {
      in = null;
      throw e;
    }
  }

  private PtFormatException short_(long position) {
    in = null;
    return src.error(
        entry.where(),
        "expected " + entry.size + " bytes after inflating, found the end at " + position);
  }
}
