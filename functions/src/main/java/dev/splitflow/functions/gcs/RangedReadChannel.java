package dev.splitflow.functions.gcs;

import com.google.cloud.ReadChannel;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * Random access to one generation of a Cloud Storage object by ranged GETs. The .pt reader jumps
 * from the zip's end to its directory to {@code data.pkl}; each jump is one request for at least
 * {@link #BLOCK} bytes, and the last block is kept, so small sequential reads cost nothing extra.
 */
final class RangedReadChannel implements SeekableByteChannel {
  /** Bytes fetched per request at least; one block covers a batch's zip directory. */
  static final int BLOCK = 256 * 1024;

  private final Storage storage;
  private final BlobId id;
  private final long size;
  private final ReadStats stats;
  private long position;
  private long blockStart = -1;
  private byte[] block = new byte[0];
  private boolean open = true;

  RangedReadChannel(Storage storage, BlobId id, long size, ReadStats stats) {
    this.storage = storage;
    this.id = id;
    this.size = size;
    this.stats = stats;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= size) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    if (blockStart < 0 || position < blockStart || position >= blockStart + block.length) {
      if (want >= BLOCK) {
        // Large reads go straight to the caller's buffer; caching them would double the memory.
        fetch(position, want, dst);
        position += want;
        return want;
      }
      block = new byte[(int) Math.min(BLOCK, size - position)];
      ByteBuffer b = ByteBuffer.wrap(block);
      fetch(position, block.length, b);
      blockStart = position;
    }
    int offset = (int) (position - blockStart);
    int n = Math.min(want, block.length - offset);
    dst.put(block, offset, n);
    position += n;
    return n;
  }

  private void fetch(long from, int length, ByteBuffer into) throws IOException {
    int limit = into.limit();
    into.limit(into.position() + length);
    try (ReadChannel r = storage.reader(id)) {
      r.seek(from);
      r.limit(from + length);
      r.setChunkSize(Math.max(length, 2 * 1024 * 1024));
      while (into.hasRemaining()) {
        if (r.read(into) < 0) {
          throw new EOFException(
              "gs://"
                  + id.getBucket()
                  + "/"
                  + id.getName()
                  + ": object ended at "
                  + (from + length - into.remaining())
                  + " of "
                  + size
                  + " bytes (changed while being read?)");
        }
      }
    } finally {
      into.limit(limit);
    }
    stats.add(length);
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long s) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
    block = new byte[0];
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
