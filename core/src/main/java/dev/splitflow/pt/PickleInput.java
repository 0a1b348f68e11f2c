package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;

/**
 * The bytes of one pickle as {@link Unpickler} reads them: opcode arguments (little-endian numbers,
 * lengths, strings, GLOBAL lines) within the pickle's limit, and the place of the opcode being run,
 * which every error names. Kept apart from the opcode dispatch so that no length the file claims
 * can make a read allocate more than what really arrives or the limits allow.
 */
final class PickleInput {
  /** Payloads above this size are read in steps, so a lying length cannot allocate memory. */
  private static final int DIRECT_READ_LIMIT = 1 << 20;

  private final InputStream in;
  private final Source src;
  private final String where;
  private final long base;
  private final long limit;
  private long pos;
  private long opStart;
  private long stringBytes;

  /**
   * @param where the zip entry or region, for error messages
   * @param base file offset of the first byte of {@code in} (for error messages), or -1 for a
   *     compressed entry where only the offset inside the entry is known
   * @param limit number of bytes {@code in} holds, or -1 if unknown
   */
  PickleInput(InputStream in, Source src, String where, long base, long limit) {
    this.in = in;
    this.src = src;
    this.where = where;
    this.base = base;
    this.limit = limit;
  }

  /** Bytes consumed so far. */
  long position() {
    return pos;
  }

  /** The zip entry or region, for error messages. */
  String where() {
    return where;
  }

  /** Marks the start of the next opcode, the place errors name. */
  void startOp() {
    opStart = pos;
  }

  /** Starts counting a new pickle's strings against the per-pickle total. */
  void resetStringBytes() {
    stringBytes = 0;
  }

  PtFormatException error(String problem) {
    String loc =
        base >= 0
            ? where + " at " + Source.at(base + opStart)
            : where + " at byte " + opStart + " of the uncompressed pickle";
    return src.error(loc, problem);
  }

  int readByte(String what) throws IOException {
    int b = nextByte();
    if (b < 0) {
      throw endOfPickle(what);
    }
    return b;
  }

  /** The next byte, or -1 at the end of the pickle. */
  private int nextByte() throws IOException {
    int b = limit >= 0 && pos >= limit ? -1 : in.read();
    if (b >= 0) {
      pos++;
    }
    return b;
  }

  private PtFormatException endOfPickle(String what) {
    return error("expected " + what + ", found the end of the pickle");
  }

  long readLong(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      int b = nextByte();
      if (b < 0) {
        // Spelled out only here: every length and memo index in a pickle passes through this loop.
        throw endOfPickle("a " + n + "-byte argument");
      }
      v |= (long) b << (8 * i);
    }
    if (n < 8 && n > 2) {
      v = (v << (64 - 8 * n)) >> (64 - 8 * n); // BININT is signed
    }
    return v;
  }

  long readSignedLength(int n) throws IOException {
    long len = n == 4 ? readLong(4) & 0xFFFFFFFFL : readLong(8);
    if (len < 0) {
      throw error("expected a length, found " + Long.toUnsignedString(len));
    }
    return len;
  }

  IntValue readLongInt(int n) throws IOException {
    byte[] le = readBytes(n, "a long");
    if (n == 0) {
      return IntValue.of(0);
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    return new IntValue(new BigInteger(be));
  }

  byte[] readBytes(long n, String what) throws IOException {
    checkLength(n, what);
    byte[] out;
    if (n <= DIRECT_READ_LIMIT) {
      out = in.readNBytes((int) n);
    } else {
      // A compressed pickle's length cannot be checked in advance: grow with what really arrives.
      ByteArrayOutputStream buf = new ByteArrayOutputStream(DIRECT_READ_LIMIT);
      byte[] step = new byte[DIRECT_READ_LIMIT];
      long left = n;
      while (left > 0) {
        int got = in.readNBytes(step, 0, (int) Math.min(step.length, left));
        if (got == 0) {
          break;
        }
        buf.write(step, 0, got);
        left -= got;
      }
      out = buf.toByteArray();
    }
    if (out.length != n) {
      throw error(
          "expected " + n + " bytes of " + what + ", found only " + out.length + " before the end");
    }
    pos += n;
    return out;
  }

  /** Refuses a length over the limits or past the pickle's end, and counts it in the total. */
  private void checkLength(long n, String what) {
    // With a known end, a length past it is reported below as past the end, not as too long.
    if (n > PtLimits.MAX_STRING_BYTES && (limit < 0 || n <= limit - pos)) {
      throw error(
          "a "
              + n
              + "-byte "
              + what
              + " is longer than "
              + PtLimits.MAX_STRING_BYTES
              + " bytes"
              + PtLimits.raise("splitflow.pt.maxStringBytes", PtLimits.MAX_STRING_BYTES));
    }
    stringBytes += n;
    if (stringBytes > PtLimits.MAX_TOTAL_STRING_BYTES && limit >= 0 && n <= limit - pos) {
      throw error(
          "strings and bytes of this pickle exceed "
              + PtLimits.MAX_TOTAL_STRING_BYTES
              + " bytes"
              + PtLimits.raise(
                  "splitflow.pt.maxTotalStringBytes", PtLimits.MAX_TOTAL_STRING_BYTES));
    }
    if (limit >= 0 && n > limit - pos) {
      throw error(
          "expected "
              + n
              + " bytes of "
              + what
              + ", found only "
              + (limit - pos)
              + " left in the pickle");
    }
    if (n > Integer.MAX_VALUE - 16) {
      throw error("expected at most 2 GiB of " + what + ", found a length of " + n);
    }
  }

  /** A str of {@code n} bytes of UTF-8. */
  StrValue readStr(long n) throws IOException {
    byte[] utf8 = readBytes(n, "a string");
    if (!Utf8.isValid(utf8)) {
      throw error("expected a UTF-8 string, found bytes that are not UTF-8");
    }
    return new StrValue(utf8);
  }

  String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = readByte("the end of a GLOBAL name");
      if (b == '\n') {
        return sb.toString();
      }
      if (b < 0x20 || b > 0x7e || sb.length() > 256) {
        throw error("expected a printable GLOBAL name of at most 256 characters");
      }
      sb.append((char) b);
    }
  }
}
