package dev.splitflow.pt;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The central directory of a zip-format .pt file. Only the end records and the directory are read;
 * local headers are read one at a time, when an entry's payload is first needed, because torch pads
 * them with an alignment extra field that the central directory does not show.
 *
 * <p>Entries are kept in arrays, not as objects: a batch file has one entry per storage, often one
 * per record (25,600 in a 400 MB batch of small images), and the directory lives as long as the
 * file is read, long enough for the collector to copy every object it holds several times.
 */
final class ZipDirectory {
  static final int STORED = 0;
  static final int DEFLATED = 8;

  private static final int EOCD_SIG = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
  private static final int ZIP64_EOCD_SIG = 0x06064b50;
  private static final int CEN_SIG = 0x02014b50;
  private static final long U32 = 0xFFFFFFFFL;

  /** One entry as the central directory lists it: a view, made when it is asked for. */
  static final class Entry {
    final String name;
    final int method;
    final long compressedSize;
    final long size;
    final long localHeaderOffset;
    private final int index;

    private Entry(
        String name,
        int method,
        long compressedSize,
        long size,
        long localHeaderOffset,
        int index) {
      this.name = name;
      this.method = method;
      this.compressedSize = compressedSize;
      this.size = size;
      this.localHeaderOffset = localHeaderOffset;
      this.index = index;
    }

    String where() {
      return "entry '" + Echo.cut(name) + "'";
    }

    /** Its position in the central directory: 0 .. {@link ZipDirectory#size()} - 1. */
    int index() {
      return index;
    }
  }

  private final Source src;
  private final int count;
  private final int[] methods;
  private final long[] compressedSizes;
  private final long[] sizes;
  private final long[] localHeaderOffsets;
  private final long[] payloadOffsets;

  /** Entry names, UTF-8, one after another; entry i's ends at {@code nameEnds[i]}. */
  private final byte[] names;

  private final int[] nameEnds;

  /** Open addressing: entry index + 1 at the slot of its name's hash, 0 where free. */
  private final int[] table;

  private final long directoryOffset;

  private ZipDirectory(
      Source src,
      int count,
      int[] methods,
      long[] compressedSizes,
      long[] sizes,
      long[] localHeaderOffsets,
      byte[] names,
      int[] nameEnds,
      long directoryOffset) {
    this.src = src;
    this.count = count;
    this.methods = methods;
    this.compressedSizes = compressedSizes;
    this.sizes = sizes;
    this.localHeaderOffsets = localHeaderOffsets;
    this.names = names;
    this.nameEnds = nameEnds;
    this.directoryOffset = directoryOffset;
    this.payloadOffsets = new long[count];
    Arrays.fill(payloadOffsets, -1);
    this.table = new int[Integer.highestOneBit(Math.max(count, 1) * 2 + 1) * 2];
    for (int i = 0; i < count; i++) {
      int start = i == 0 ? 0 : nameEnds[i - 1];
      int slot = find(names, start, nameEnds[i]);
      if (table[slot] != 0) {
        // torch reads the first copy of some names and the last of others; refuse to guess.
        throw src.error(
            entry(i).where(),
            "appears twice in the zip directory; expected each entry once (an ambiguous archive)");
      }
      table[slot] = i + 1;
    }
  }

  /** How many entries the directory lists. */
  int size() {
    return count;
  }

  /** Entry {@code i}, in directory order. */
  Entry entry(int i) {
    int start = i == 0 ? 0 : nameEnds[i - 1];
    return new Entry(
        new String(names, start, nameEnds[i] - start, StandardCharsets.UTF_8),
        methods[i],
        compressedSizes[i],
        sizes[i],
        localHeaderOffsets[i],
        i);
  }

  /** The first entry, in directory order, whose name does not start with {@code prefix}, or -1. */
  int firstOutside(String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < count; i++) {
      int start = i == 0 ? 0 : nameEnds[i - 1];
      int end = nameEnds[i];
      if (end - start < p.length
          || !Arrays.equals(names, start, start + p.length, p, 0, p.length)) {
        return i;
      }
    }
    return -1;
  }

  /** The entry of that name, or null. */
  Entry get(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    int i = table[find(utf8, 0, utf8.length)] - 1;
    return i < 0
        ? null
        : new Entry(name, methods[i], compressedSizes[i], sizes[i], localHeaderOffsets[i], i);
  }

  /** The slot holding the name {@code key[from, to)}, or the free slot where it would go. */
  private int find(byte[] key, int from, int to) {
    // Keyed, so a directory of names built to collide cannot make each lookup a long probe.
    int h = (int) SipHash.hash(0, key, from, to);
    int mask = table.length - 1;
    for (int slot = (h ^ (h >>> 16)) & mask; ; slot = (slot + 1) & mask) {
      int i = table[slot] - 1;
      if (i < 0) {
        return slot;
      }
      int start = i == 0 ? 0 : nameEnds[i - 1];
      if (Arrays.equals(names, start, nameEnds[i], key, from, to)) {
        return slot;
      }
    }
  }

  static ZipDirectory read(Source src) throws IOException {
    End end = zip64End(src, endRecord(src));
    int n = checkedCount(src, end);
    return readCentralDirectory(src, end, n);
  }

  /**
   * Where the central directory is, as the end records declare it: {@code limit} is where it must
   * end (the Zip64 end record, else the classic one at {@code eocdPos}).
   */
  private record End(long eocdPos, long count, long cdSize, long cdOffset, long limit) {}

  /** The classic end-of-central-directory record: the last one whose comment ends the file. */
  private static End endRecord(Source src) throws IOException {
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
    return new End(
        eocdPos,
        tail.getShort(eocd + 10) & 0xFFFF,
        tail.getInt(eocd + 12) & U32,
        tail.getInt(eocd + 16) & U32,
        eocdPos);
  }

  /**
   * {@code end} with the Zip64 end record's count, size and offset where a locator points to one.
   */
  private static End zip64End(Source src, End end) throws IOException {
    long eocdPos = end.eocdPos();
    if (eocdPos < 20 || readInt(src, eocdPos - 20) != ZIP64_LOCATOR_SIG) {
      return end;
    }
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
    return new End(eocdPos, z.getLong(32), z.getLong(40), z.getLong(48), z64Pos);
  }

  /** The entry count, once the declared directory fits the file and can hold that many entries. */
  private static int checkedCount(Source src, End end) {
    long count = end.count();
    long cdSize = end.cdSize();
    long cdOffset = end.cdOffset();
    long cdLimit = end.limit();
    if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
      throw src.error(
          Source.at(end.eocdPos()),
          "central directory declared at "
              + cdOffset
              + " with "
              + cdSize
              + " bytes, which does not fit before "
              + cdLimit);
    }
    if (count < 0 || count > cdSize / 46) {
      throw src.error(
          Source.at(end.eocdPos()),
          "central directory declares "
              + count
              + " entries, more than its "
              + cdSize
              + " bytes hold");
    }
    int n = (int) count; // at most cdSize / 46, and a directory over 98 GB is not a .pt file
    if (n != count) {
      throw src.error(Source.at(end.eocdPos()), "central directory declares " + count + " entries");
    }
    return n;
  }

  /** The {@code n} central directory entries, each checked as it is read. */
  private static ZipDirectory readCentralDirectory(Source src, End end, int n) throws IOException {
    long count = end.count();
    long cdOffset = end.cdOffset();
    Columns c = new Columns(n);
    ByteArrayOutputStream names = new ByteArrayOutputStream((int) Math.min(end.cdSize(), 1 << 20));
    byte[] header = new byte[46];
    ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    byte[] field = new byte[256];
    DataInputStream in =
        new DataInputStream(src.region(cdOffset, end.cdSize(), "the zip central directory"));
    long pos = cdOffset;
    for (int i = 0; i < n; i++) {
      readFully(in, header, 46, src, pos, "a central directory entry");
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
      int flags = h.getShort(8) & 0xFFFF;
      int method = h.getShort(10) & 0xFFFF;
      // usize, csize, local header offset: the order Zip64 extra fields replace them in.
      long[] sizes = {h.getInt(24) & U32, h.getInt(20) & U32, h.getInt(42) & U32};
      int nameLen = h.getShort(28) & 0xFFFF;
      int extraLen = h.getShort(30) & 0xFFFF;
      int commentLen = h.getShort(32) & 0xFFFF;
      if (field.length < Math.max(nameLen, Math.max(extraLen, commentLen))) {
        field = new byte[0x10000];
      }
      readFully(in, field, nameLen, src, pos, "an entry name");
      names.write(field, 0, nameLen);
      readFully(in, field, extraLen, src, pos, "an entry's extra field");
      applyZip64Extra(field, extraLen, sizes);
      readFully(in, field, commentLen, src, pos, "an entry comment");
      long usize = sizes[0];
      long csize = sizes[1];
      long lho = sizes[2];
      if ((flags & 0x41) != 0) { // traditional or strong encryption
        throw src.error(
            "entry '" + lastName(names, nameLen) + "'",
            "is encrypted (zip flag 0x"
                + Integer.toHexString(flags)
                + "); torch.load refuses"
                + " encrypted entries");
      }
      if (csize < 0 || usize < 0 || lho < 0 || lho > cdOffset) {
        throw src.error(
            "entry '" + lastName(names, nameLen) + "'",
            "sizes or offset out of range (offset " + lho + ", " + csize + " bytes)");
      }
      c.add(i, method, csize, usize, lho, names.size());
      pos += 46L + nameLen + extraLen + commentLen;
    }
    return new ZipDirectory(
        src,
        n,
        c.methods,
        c.compressedSizes,
        c.sizes,
        c.localHeaderOffsets,
        names.toByteArray(),
        c.nameEnds,
        cdOffset);
  }

  /**
   * Zip64 sizes and offset from an entry's extra field {@code field[0, len)}: they replace exactly
   * the values of {@code sizes} (size, compressed size, local header offset) that hold 0xFFFFFFFF,
   * in this order.
   */
  private static void applyZip64Extra(byte[] field, int len, long[] sizes) {
    ByteBuffer extra = ByteBuffer.wrap(field, 0, len).order(ByteOrder.LITTLE_ENDIAN);
    while (extra.remaining() >= 4) {
      int id = extra.getShort() & 0xFFFF;
      int size = extra.getShort() & 0xFFFF;
      if (size > extra.remaining()) {
        break;
      }
      int next = extra.position() + size;
      if (id == 1) {
        for (int k = 0; k < sizes.length; k++) {
          if (sizes[k] == U32 && extra.position() + 8 <= next) {
            sizes[k] = extra.getLong();
          }
        }
      }
      extra.position(next);
    }
  }

  /**
   * The directory's columns while it is read, grown as entries arrive so a false count costs no
   * memory before it is found out.
   */
  private static final class Columns {
    private final int n;
    int[] methods;
    long[] compressedSizes;
    long[] sizes;
    long[] localHeaderOffsets;
    int[] nameEnds;

    Columns(int n) {
      this.n = n;
      int capacity = Math.min(n, 1024);
      methods = new int[capacity];
      compressedSizes = new long[capacity];
      sizes = new long[capacity];
      localHeaderOffsets = new long[capacity];
      nameEnds = new int[capacity];
    }

    void add(int i, int method, long csize, long usize, long lho, int nameEnd) {
      if (i == methods.length) {
        int capacity = (int) Math.min(n, 2L * methods.length);
        methods = Arrays.copyOf(methods, capacity);
        compressedSizes = Arrays.copyOf(compressedSizes, capacity);
        sizes = Arrays.copyOf(sizes, capacity);
        localHeaderOffsets = Arrays.copyOf(localHeaderOffsets, capacity);
        nameEnds = Arrays.copyOf(nameEnds, capacity);
      }
      methods[i] = method;
      compressedSizes[i] = csize;
      sizes[i] = usize;
      localHeaderOffsets[i] = lho;
      nameEnds[i] = nameEnd;
    }
  }

  private static String lastName(ByteArrayOutputStream names, int nameLen) {
    byte[] all = names.toByteArray();
    return new String(all, all.length - nameLen, nameLen, StandardCharsets.UTF_8);
  }

  private static int readInt(Source src, long pos) throws IOException {
    return src.read(pos, 4, "a zip signature").getInt(0);
  }

  private static void readFully(
      InputStream in, byte[] into, int n, Source src, long pos, String what) throws IOException {
    int got = in.readNBytes(into, 0, n);
    if (got != n) {
      throw src.error(Source.at(pos), "expected " + n + " bytes of " + what + ", found " + got);
    }
  }

  /** Where the entry's bytes start, from its local header; checked to end before the directory. */
  long payloadOffset(Entry e) throws IOException {
    if (payloadOffsets[e.index] < 0) {
      payloadOffsets[e.index] =
          StorageData.payloadOffset(
              src, e.localHeaderOffset, e.compressedSize, directoryOffset, e.where());
    }
    return payloadOffsets[e.index];
  }
}
