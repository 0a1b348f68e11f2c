package dev.splitflow.pt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * Wraps a channel to count the bytes and calls a reader makes, and optionally to return short reads
 * (at most {@code maxRead} bytes per call), as network channels do.
 */
final class CountingChannel implements SeekableByteChannel {
  private final SeekableByteChannel in;
  private final int maxRead;
  long bytesRead;
  long reads;

  CountingChannel(SeekableByteChannel in, int maxRead) {
    this.in = in;
    this.maxRead = maxRead;
  }

  CountingChannel(SeekableByteChannel in) {
    this(in, Integer.MAX_VALUE);
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
    throw new UnsupportedOperationException("read-only");
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
    throw new UnsupportedOperationException("read-only");
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
