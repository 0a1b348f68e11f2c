package dev.splitflow.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only channel that counts the bytes and read calls made through it: how splitflow measures
 * what opening a file costs (each read call is one ranged request on Cloud Storage). It can also
 * cap each read at {@code maxRead} bytes, as network channels do, to test readers against short
 * reads. Test support, in core's test jar: used by core's reader tests and by the benchmarks.
 */
public final class CountingChannel implements SeekableByteChannel {
  private final SeekableByteChannel in;
  private final int maxRead;
  private long bytesRead;
  private long reads;

  public CountingChannel(SeekableByteChannel in, int maxRead) {
    this.in = in;
    this.maxRead = maxRead;
  }

  public CountingChannel(SeekableByteChannel in) {
    this(in, Integer.MAX_VALUE);
  }

  public long bytesRead() {
    return bytesRead;
  }

  /** Read calls made, including ones that returned end of stream. */
  public long reads() {
    return reads;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int limit = dst.limit();
    if (dst.remaining() > maxRead) {
      dst.limit(dst.position() + maxRead);
    }
    try {
      int n = in.read(dst);
      reads++;
      if (n > 0) {
        bytesRead += n;
      }
      return n;
    } finally {
      dst.limit(limit);
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    return in.position();
  }

  @Override
  public SeekableByteChannel position(long p) throws IOException {
    in.position(p);
    return this;
  }

  @Override
  public long size() throws IOException {
    return in.size();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return in.isOpen();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
