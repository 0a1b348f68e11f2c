package dev.splitflow.pt;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One storage a tensor points into: its key in the file, element type and size. The bytes stay
 * where they are (in the file, or in memory for tensors made in Java) and are read on demand.
 */
public final class StorageRef {

  /** Where a storage's bytes come from. Reads are by absolute position within the storage. */
  interface Data {
    /** Fills {@code dst} from {@code position}; fails if the storage ends first. */
    void read(long position, ByteBuffer dst) throws IOException;
  }

  private final String key;
  private final long byteLength;
  private DType dtype;
  private Data data;

  StorageRef(String key, DType dtype, long byteLength) {
    this.key = key;
    this.dtype = dtype;
    this.byteLength = byteLength;
  }

  /** A storage held in memory, for tensors made in Java (demo data, converted numpy values). */
  public static StorageRef ofBytes(DType dtype, byte[] bytes) {
    if (bytes.length % dtype.itemSize() != 0) {
      throw new IllegalArgumentException(
          bytes.length + " bytes is not a whole number of " + dtype.torchName() + " elements");
    }
    byte[] copy = bytes.clone();
    StorageRef ref = new StorageRef("memory", dtype, copy.length);
    ref.data =
        (position, dst) -> {
          int n = dst.remaining();
          if (position < 0 || position + n > copy.length) {
            throw new IOException("read past the end of an in-memory storage");
          }
          dst.put(copy, (int) position, n);
        };
    return ref;
  }

  /** The key the file stores it under ({@code data/<key>} in a zip file). */
  public String key() {
    return key;
  }

  /**
   * The element type. Untyped storages (torch 2.x {@code uint16} and similar) get the type of the
   * tensors viewing them.
   */
  public DType dtype() {
    return dtype;
  }

  public long byteLength() {
    return byteLength;
  }

  /** Number of elements of {@link #dtype()}. */
  public long numel() {
    return byteLength / dtype.itemSize();
  }

  void bindDtype(DType t) {
    dtype = t;
  }

  void bind(Data d) {
    data = d;
  }

  /** Where the bytes are in the file, or null for a storage held in memory. */
  StorageData.Location location() {
    return data instanceof StorageData.Located l ? l.location() : null;
  }

  /**
   * Equal for two references to one storage of one file, however each was made (read from the file,
   * or decoded from a record's encoding); the reference itself for a storage held in memory.
   */
  Object identity() {
    if (data instanceof StorageData.Located l) {
      StorageData.Location at = l.location();
      return new StorageData.Identity(l.file(), at.kind(), at.offset());
    }
    return this;
  }

  /** Bytes of an in-memory storage; only for storages whose {@link #location()} is null. */
  byte[] readAll() throws IOException {
    if (byteLength > Integer.MAX_VALUE - 16) {
      throw new IOException("storage '" + key + "' is too large to hold in memory");
    }
    ByteBuffer b = ByteBuffer.allocate((int) byteLength);
    read(0, b);
    return b.array();
  }

  /** Reads {@code dst.remaining()} bytes starting at byte {@code position} of this storage. */
  public void read(long position, ByteBuffer dst) throws IOException {
    if (position < 0 || position > byteLength || dst.remaining() > byteLength - position) {
      throw new IOException(
          "read of "
              + dst.remaining()
              + " bytes at "
              + position
              + " is outside storage "
              + key
              + " of "
              + byteLength
              + " bytes");
    }
    data.read(position, dst);
  }
}
