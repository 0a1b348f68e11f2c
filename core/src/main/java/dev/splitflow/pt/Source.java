package dev.splitflow.pt;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/** Positional reads from the file's channel, and the errors that name the file. */
final class Source {
  final SeekableByteChannel channel;
  final String name;
  final long size;

  Source(SeekableByteChannel channel, String name) throws IOException {
    this.channel = channel;
    this.name = name;
    this.size = channel.size();
  }

  PtFormatException error(String location, String problem) {
    return new PtFormatException(name, location, problem);
  }

  static String at(long offset) {
    return "offset " + offset;
  }

  /** Fills {@code dst} from absolute {@code position}; fails with a format error at end of file. */
  void readFully(long position, ByteBuffer dst, String what) throws IOException {
    int want = dst.remaining();
    if (position < 0 || position > size || want > size - position) {
      throw error(
          at(position),
          "expected "
              + want
              + " bytes of "
              + what
              + ", found only "
              + Math.max(0, size - Math.max(position, 0))
              + " before the end of the "
              + size
              + "-byte file");
    }
    if (channel instanceof FileChannel fc) {
      long p = position;
      while (dst.hasRemaining()) {
        int n = fc.read(dst, p);
        if (n < 0) {
          throw new EOFException(name + ": file shrank while reading " + what);
        }
        p += n;
      }
      return;
    }
    synchronized (channel) {
      channel.position(position);
      while (dst.hasRemaining()) {
        if (channel.read(dst) < 0) {
          throw new EOFException(name + ": file shrank while reading " + what);
        }
      }
    }
  }

  ByteBuffer read(long position, int length, String what) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    readFully(position, b, what);
    return b.flip();
  }

  /**
   * The inflated bytes of a DEFLATED zip entry stored at {@code [start, start + length)}. Corrupt
   * or cut-short compressed data is a format error naming the entry, not an I/O error.
   */
  InputStream inflated(long start, long length, String where) {
    InputStream raw =
        new InflaterInputStream(region(start, length, where), new Inflater(true), 64 * 1024);
    return new InputStream() {
      @Override
      public int read() throws IOException {
        try {
          return raw.read();
        } catch (ZipException | EOFException e) {
          throw corrupt(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return raw.read(b, off, len);
        } catch (ZipException | EOFException e) {
          throw corrupt(e);
        }
      }

      private PtFormatException corrupt(IOException e) {
        return error(where, "corrupt compressed data: " + e.getMessage());
      }
    };
  }

  /** A buffered stream over {@code [start, start + length)}. */
  InputStream region(long start, long length, String what) {
    return new InputStream() {
      private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      private long next = start; // file position of the next byte to fetch into buf
      private final long end = start + length;

      {
        buf.limit(0);
      }

      private boolean fill() throws IOException {
        if (next >= end) {
          return false;
        }
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), end - next));
        readFully(next, buf, what);
        next += buf.position();
        buf.flip();
        return true;
      }

      @Override
      public int read() throws IOException {
        if (!buf.hasRemaining() && !fill()) {
          return -1;
        }
        return buf.get() & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        if (!buf.hasRemaining() && !fill()) {
          return -1;
        }
        int n = Math.min(len, buf.remaining());
        buf.get(b, off, n);
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long fromBuf = Math.min(n, buf.remaining());
        buf.position(buf.position() + (int) fromBuf);
        long rest = Math.min(n - fromBuf, end - next);
        next += rest;
        return fromBuf + rest;
      }
    };
  }
}
