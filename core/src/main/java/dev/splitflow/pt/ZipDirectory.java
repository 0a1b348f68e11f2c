package dev.splitflow.pt;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The central directory of a zip-format .pt file. Only the end records and the directory are read;
 * local headers are read one at a time, when an entry's payload is first needed, because torch pads
 * them with an alignment extra field that the central directory does not show.
 */
final class ZipDirectory {
  static final int STORED = 0;
  static final int DEFLATED = 8;

  private static final int EOCD_SIG = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
  private static final int ZIP64_EOCD_SIG = 0x06064b50;
  private static final int CEN_SIG = 0x02014b50;
  private static final long U32 = 0xFFFFFFFFL;

  /** One entry as the central directory lists it. */
  static final class Entry {
    final String name;
    final int method;
    final long compressedSize;
    final long size;
    final long localHeaderOffset;
    private long payloadOffset = -1;

    Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {
      this.name = name;
      this.method = method;
      this.compressedSize = compressedSize;
      this.size = size;
      this.localHeaderOffset = localHeaderOffset;
    }

    String where() {
      return "entry '" + name + "'";
    }
  }

  private final Source src;
  private final List<Entry> entries;
  private final Map<String, Entry> byName;
  private final long directoryOffset;

  private ZipDirectory(Source src, List<Entry> entries, long directoryOffset) {
    this.src = src;
    this.entries = entries;
    this.directoryOffset = directoryOffset;
    this.byName = new HashMap<>();
    for (Entry e : entries) {
      byName.putIfAbsent(e.name, e);
    }
  }

  List<Entry> entries() {
    return entries;
  }

  Entry get(String name) {
    return byName.get(name);
  }

  static ZipDirectory read(Source src) throws IOException {
    int tailLen = (int) Math.min(src.size, 22 + 0xFFFF);
    long tailStart = src.size - tailLen;
    ByteBuffer tail = src.read(tailStart, tailLen, "the zip end record");
    int eocd = -1;
    for (int i = tailLen - 22; i >= 0; i--) {
      if (tail.getInt(i) == EOCD_SIG && i + 22 + (tail.getShort(i + 20) & 0xFFFF) == tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw src.error(
          "end of file",
          "expected a zip end-of-central-directory record, found none (truncated or not a zip)");
    }
    long eocdPos = tailStart + eocd;
    long count = tail.getShort(eocd + 10) & 0xFFFF;
    long cdSize = tail.getInt(eocd + 12) & U32;
    long cdOffset = tail.getInt(eocd + 16) & U32;
    long cdLimit = eocdPos;
    if (eocdPos >= 20 && readInt(src, eocdPos - 20) == ZIP64_LOCATOR_SIG) {
      ByteBuffer loc = src.read(eocdPos - 20, 20, "the zip64 locator");
      long z64Pos = loc.getLong(8);
      if (z64Pos < 0 || z64Pos > eocdPos - 20 - 56) {
        throw src.error(
            Source.at(eocdPos - 20),
            "zip64 locator points to " + z64Pos + ", outside the file's " + src.size + " bytes");
      }
      ByteBuffer z = src.read(z64Pos, 56, "the zip64 end record");
      if (z.getInt(0) != ZIP64_EOCD_SIG) {
        throw src.error(
            Source.at(z64Pos),
            "expected the zip64 end record signature, found 0x" + Integer.toHexString(z.getInt(0)));
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
      cdLimit = z64Pos;
    }
    if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
      throw src.error(
          Source.at(eocdPos),
          "central directory declared at "
              + cdOffset
              + " with "
              + cdSize
              + " bytes, which does not fit before "
              + cdLimit);
    }
    if (count < 0 || count > cdSize / 46) {
      throw src.error(
          Source.at(eocdPos),
          "central directory declares "
              + count
              + " entries, more than its "
              + cdSize
              + " bytes hold");
    }
    List<Entry> entries = new ArrayList<>((int) count);
    DataInputStream in =
        new DataInputStream(src.region(cdOffset, cdSize, "the zip central directory"));
    long pos = cdOffset;
    for (long i = 0; i < count; i++) {
      ByteBuffer h = readLe(in, 46, src, pos, "a central directory entry");
      if (h.getInt(0) != CEN_SIG) {
        throw src.error(
            Source.at(pos),
            "expected central directory entry "
                + i
                + " of "
                + count
                + ", found signature 0x"
                + Integer.toHexString(h.getInt(0)));
      }
      int method = h.getShort(10) & 0xFFFF;
      long csize = h.getInt(20) & U32;
      long usize = h.getInt(24) & U32;
      int nameLen = h.getShort(28) & 0xFFFF;
      int extraLen = h.getShort(30) & 0xFFFF;
      int commentLen = h.getShort(32) & 0xFFFF;
      long lho = h.getInt(42) & U32;
      byte[] nameBytes = readLe(in, nameLen, src, pos, "an entry name").array();
      ByteBuffer extra = readLe(in, extraLen, src, pos, "an entry's extra field");
      readLe(in, commentLen, src, pos, "an entry comment");
      // Zip64 sizes and offset replace exactly the fields that hold 0xFFFFFFFF, in this order.
      while (extra.remaining() >= 4) {
        int id = extra.getShort() & 0xFFFF;
        int len = extra.getShort() & 0xFFFF;
        if (len > extra.remaining()) {
          break;
        }
        int next = extra.position() + len;
        if (id == 1) {
          if (usize == U32 && extra.position() + 8 <= next) {
            usize = extra.getLong();
          }
          if (csize == U32 && extra.position() + 8 <= next) {
            csize = extra.getLong();
          }
          if (lho == U32 && extra.position() + 8 <= next) {
            lho = extra.getLong();
          }
        }
        extra.position(next);
      }
      String name = new String(nameBytes, StandardCharsets.UTF_8);
      if (csize < 0 || usize < 0 || lho < 0 || lho > cdOffset) {
        throw src.error(
            "entry '" + name + "'",
            "sizes or offset out of range (offset " + lho + ", " + csize + " bytes)");
      }
      entries.add(new Entry(name, method, csize, usize, lho));
      pos += 46L + nameLen + extraLen + commentLen;
    }
    return new ZipDirectory(src, entries, cdOffset);
  }

  private static int readInt(Source src, long pos) throws IOException {
    return src.read(pos, 4, "a zip signature").getInt(0);
  }

  private static ByteBuffer readLe(InputStream in, int n, Source src, long pos, String what)
      throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw src.error(
          Source.at(pos), "expected " + n + " bytes of " + what + ", found " + b.length);
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Where the entry's bytes start, from its local header; checked to end before the directory. */
  long payloadOffset(Entry e) throws IOException {
    if (e.payloadOffset < 0) {
      e.payloadOffset =
          StorageData.payloadOffset(
              src, e.localHeaderOffset, e.compressedSize, directoryOffset, e.where());
    }
    return e.payloadOffset;
  }
}
