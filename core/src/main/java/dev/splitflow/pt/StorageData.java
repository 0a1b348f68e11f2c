package dev.splitflow.pt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Where a storage's bytes live in its file, and how to read them. A location is a few numbers, so a
 * reference to a tensor can travel (through a Beam shuffle, say) and be read later from a newly
 * opened channel on the same file, without parsing the file again.
 */
final class StorageData {
  private StorageData() {}

  /** The three ways a .pt file stores a storage. */
  enum Kind {
    /** A STORED zip entry; {@code offset} is its local header (payload follows the padding). */
    ZIP_STORED,
    /** A DEFLATED zip entry; {@code offset} is its local header. */
    ZIP_DEFLATED,
    /** Legacy layout; {@code offset} is the 8-byte element count before the bytes. */
    LEGACY
  }

  /** A storage's place in its file. {@code length} is the stored (compressed) byte count. */
  record Location(Kind kind, long offset, long length) {}

  /** Storage bytes that know their location. */
  interface Located extends StorageRef.Data {
    Location location();

    /** The file the bytes are in, as named when it was opened. */
    String file();
  }

  /**
   * What makes two references one storage: the same place in the same file. A reference decoded
   * anew for each record ({@code RecordCodec}) is a new object but the same storage.
   */
  record Identity(String file, Kind kind, long offset) {}

  /** Opens reads of {@code ref}'s bytes at {@code at} in {@code src}. */
  static Located open(Source src, StorageRef ref, Location at, String where) {
    return switch (at.kind()) {
      case ZIP_STORED -> new Stored(src, at, where);
      case ZIP_DEFLATED -> new Inflating(src, at, ref.byteLength(), where);
      case LEGACY -> new Legacy(src, ref, at);
    };
  }

  /**
   * Where a zip entry's bytes start, from its local header (torch pads it with an alignment extra
   * field the central directory does not show); checked to end before {@code limit}.
   */
  static long payloadOffset(Source src, long localHeader, long length, long limit, String where)
      throws IOException {
    ByteBuffer h = src.read(localHeader, 30, "the local header of " + where);
    if (h.getInt(0) != 0x04034b50) {
      throw src.error(
          where + " at " + Source.at(localHeader),
          "expected a local file header, found signature 0x" + Integer.toHexString(h.getInt(0)));
    }
    long start = localHeader + 30 + (h.getShort(26) & 0xFFFF) + (h.getShort(28) & 0xFFFF);
    if (start > limit || length > limit - start) {
      throw src.error(
          where,
          "payload of "
              + length
              + " bytes at "
              + start
              + " runs past the zip data, which ends at "
              + limit);
    }
    return start;
  }

  private static final class Stored implements Located {
    private final Source src;
    private final Location at;
    private final String where;
    private volatile long payload = -1;

    Stored(Source src, Location at, String where) {
      this.src = src;
      this.at = at;
      this.where = where;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
      long p = payload;
      if (p < 0) {
        // Read on first use, so opening a file costs no request per storage.
        p = payloadOffset(src, at.offset(), at.length(), src.size, where);
        payload = p;
      }
      src.readFully(p + position, dst, where);
    }

    @Override
    public Location location() {
      return at;
    }

    @Override
    public String file() {
      return src.name;
    }
  }

  /**
   * Deflate has no random access: reads inflate forward from the last position and restart from the
   * entry's start only when asked to go back. Sequential copies inflate each byte once.
   */
  private static final class Inflating implements Located {
    private final Source src;
    private final Location at;
    private final long size;
    private final String where;
    private InputStream in;
    private long pos;

    Inflating(Source src, Location at, long size, String where) {
      this.src = src;
      this.at = at;
      this.size = size;
      this.where = where;
    }

    @Override
    public synchronized void read(long position, ByteBuffer dst) throws IOException {
      try {
        if (in == null || position < pos) {
          long start = payloadOffset(src, at.offset(), at.length(), src.size, where);
          in = src.inflated(start, at.length(), where);
          pos = 0;
        }
        while (pos < position) {
          long skipped = in.skip(position - pos);
          if (skipped <= 0) {
            throw cutShort(position);
          }
          pos += skipped;
        }
        byte[] buf = new byte[Math.min(dst.remaining(), 64 * 1024)];
        while (dst.hasRemaining()) {
          int n = in.read(buf, 0, Math.min(buf.length, dst.remaining()));
          if (n < 0) {
            throw cutShort(pos);
          }
          dst.put(buf, 0, n);
          pos += n;
        }
      } catch (PtFormatException e) {
        in = null;
        throw e;
      }
    }

    private PtFormatException cutShort(long position) {
      in = null;
      return src.error(
          where, "expected " + size + " bytes after inflating, found the end at " + position);
    }

    @Override
    public Location location() {
      return at;
    }

    @Override
    public String file() {
      return src.name;
    }
  }

  /** Legacy layout: an int64 element count, then the elements; the count is checked once. */
  private static final class Legacy implements Located {
    private final Source src;
    private final StorageRef ref;
    private final Location at;
    private volatile boolean checked;

    Legacy(Source src, StorageRef ref, Location at) {
      this.src = src;
      this.ref = ref;
      this.at = at;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
      if (!checked) {
        long count = src.read(at.offset(), 8, "a storage's element count").getLong(0);
        long expected = ref.byteLength() / ref.dtype().itemSize();
        if (count != expected && count != ref.byteLength()) {
          throw src.error(
              Source.at(at.offset()),
              "expected storage '"
                  + ref.key()
                  + "' to hold "
                  + expected
                  + " elements, found "
                  + count);
        }
        checked = true;
      }
      src.readFully(at.offset() + 8 + position, dst, "storage '" + Echo.cut(ref.key()) + "'");
    }

    @Override
    public Location location() {
      return at;
    }

    @Override
    public String file() {
      return src.name;
    }
  }
}
