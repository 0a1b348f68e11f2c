package dev.splitflow.io;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A channel that takes every byte and keeps none: a chunk written into it yields only its
 * checksums, which is how the verifiers remake chunks without writing anything.
 */
public final class DiscardChannel implements WritableByteChannel {
  private boolean open = true;

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    src.position(src.limit());
    return n;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
