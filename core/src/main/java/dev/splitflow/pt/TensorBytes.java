package dev.splitflow.pt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams a tensor's elements in C order from its storage, reading only the byte span the view
 * covers. Contiguous views are copied as one range; strided views are gathered run by run (the
 * innermost contiguous dimensions form one run) through a small page cache, so memory stays bounded
 * whatever the storage's size.
 */
public final class TensorBytes {
  private TensorBytes() {}

  /** Receives the bytes; the buffer is only valid during the call. */
  @FunctionalInterface
  public interface Sink {
    void accept(ByteBuffer bytes) throws IOException;
  }

  /** Copy buffer size: large enough for full-speed channel reads and writes. */
  public static final int BUFFER_SIZE = 1 << 20;

  private static final ThreadLocal<ByteBuffer> COPY_BUFFER =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER_SIZE));

  /**
   * This thread's copy buffer, off-heap: a channel reads into and writes from it directly, where a
   * heap buffer costs the JDK a copy through a temporary native buffer each way (measured: a 2 GiB
   * file copy took 0.9-1.7 s instead of 1.8-3.4 s). One per thread, kept for the thread's life, so
   * direct memory stays at 1 MiB per writing thread instead of piling up until a GC frees it. Valid
   * until the calling thread next asks for it.
   */
  public static ByteBuffer threadBuffer() {
    return COPY_BUFFER.get().clear();
  }

  private static final int PAGE = 64 * 1024;
  private static final int MAX_PAGES = 256; // 16 MiB

  /** Sends the tensor's C-order bytes to {@code sink} in pieces of at most a buffer's size. */
  public static void copy(TensorValue t, ByteBuffer buffer, Sink sink) throws IOException {
    long numel = t.numel();
    if (numel == 0) {
      return;
    }
    int item = t.dtype().itemSize();
    long[] shape = t.shapeUnsafe();
    long[] stride = t.strideUnsafe();
    StorageRef storage = t.storage();

    // Innermost dimensions laid out contiguously form one run of bytes.
    int split = shape.length;
    long runElems = 1;
    while (split > 0 && (shape[split - 1] == 1 || stride[split - 1] == runElems)) {
      runElems *= shape[split - 1];
      split--;
    }
    long runBytes = runElems * item;
    if (split == 0) {
      copyRange(storage, t.storageOffset() * item, runBytes, buffer, sink);
      return;
    }
    long lo = t.storageOffset() * item;
    long hi = Shapes.spanEnd(shape, stride, t.storageOffset()) * item;
    Pages pages = new Pages(storage, lo, hi);
    long[] idx = new long[split];
    buffer.clear();
    long runs = numel / runElems;
    for (long r = 0; r < runs; r++) {
      long src = t.storageOffset();
      for (int d = 0; d < split; d++) {
        src += idx[d] * stride[d];
      }
      long at = src * item;
      if (runBytes >= PAGE) {
        flush(buffer, sink);
        copyRange(storage, at, runBytes, buffer, sink);
      } else {
        if (buffer.remaining() < runBytes) {
          flush(buffer, sink);
        }
        pages.read(at, buffer, (int) runBytes);
      }
      for (int d = split - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    flush(buffer, sink);
  }

  /**
   * Sends the bytes of the storage span the tensor covers, {@code [offset, spanEnd)} in elements:
   * what a view keeping its strides needs, in time proportional to the bytes stored.
   */
  public static void copySpan(TensorValue t, ByteBuffer buffer, Sink sink) throws IOException {
    if (t.numel() == 0) {
      return;
    }
    int item = t.dtype().itemSize();
    long lo = t.storageOffset() * item;
    long hi = Shapes.spanEnd(t.shapeUnsafe(), t.strideUnsafe(), t.storageOffset()) * item;
    copyRange(t.storage(), lo, hi - lo, buffer, sink);
  }

  private static void flush(ByteBuffer buffer, Sink sink) throws IOException {
    if (buffer.position() > 0) {
      buffer.flip();
      sink.accept(buffer);
      buffer.clear();
    }
  }

  /** Sends {@code length} bytes of {@code storage} from byte {@code from}, as stored. */
  static void copyRange(StorageRef storage, long from, long length, ByteBuffer buffer, Sink sink)
      throws IOException {
    long done = 0;
    while (done < length) {
      buffer.clear();
      buffer.limit((int) Math.min(buffer.capacity(), length - done));
      storage.read(from + done, buffer);
      done += buffer.position();
      buffer.flip();
      sink.accept(buffer);
    }
    buffer.clear();
  }

  /** A least-recently-used cache of fixed-size pages of one storage span. */
  private static final class Pages {
    private final StorageRef storage;
    private final long lo;
    private final long hi;
    private final Map<Long, byte[]> cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > MAX_PAGES;
          }
        };

    Pages(StorageRef storage, long lo, long hi) {
      this.storage = storage;
      this.lo = lo;
      this.hi = hi;
    }

    void read(long at, ByteBuffer dst, int length) throws IOException {
      while (length > 0) {
        long page = (at - lo) / PAGE;
        byte[] bytes = cache.get(page);
        long pageStart = lo + page * PAGE;
        if (bytes == null) {
          bytes = new byte[(int) Math.min(PAGE, hi - pageStart)];
          storage.read(pageStart, ByteBuffer.wrap(bytes));
          cache.put(page, bytes);
        }
        int off = (int) (at - pageStart);
        int n = Math.min(length, bytes.length - off);
        dst.put(bytes, off, n);
        at += n;
        length -= n;
      }
    }
  }
}
