package dev.splitflow.pt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive in one forward pass, laid out as torch's own writer does: STORED entries,
 * each payload 64-byte aligned by a padding extra field ("FB"), sizes and CRC in a data descriptor
 * after the payload (so nothing is buffered or written twice), and a Zip64 end record. Timestamps
 * are fixed, so the same entries give the same bytes.
 */
final class ZipWriter {
  static final int ALIGNMENT = 64;
  private static final long U32 = 0xFFFFFFFFL;
  private static final int FLAGS = 0x0808; // data descriptor, UTF-8 names
  private static final int DOS_TIME = 0;
  private static final int DOS_DATE = (1 << 5) | 1; // 1980-01-01

  private record Written(byte[] name, long offset, long size, long crc) {}

  private final WritableByteChannel out;
  private final ByteBuffer header = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
  private final List<Written> entries = new ArrayList<>();
  private final CRC32 crc = new CRC32();
  private long position;
  private byte[] currentName;
  private long currentOffset = -1;
  private long currentSize;
  private boolean currentZip64;

  ZipWriter(WritableByteChannel out) {
    this.out = out;
  }

  long position() {
    return position;
  }

  /**
   * Starts an entry. {@code expectedSize} only decides whether the entry needs Zip64 sizes; the
   * real size is what is written.
   */
  void begin(String name, long expectedSize) throws IOException {
    if (currentOffset >= 0) {
      throw new IllegalStateException("entry still open");
    }
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    currentName = n;
    currentOffset = position;
    currentSize = 0;
    currentZip64 = expectedSize >= U32;
    crc.reset();
    int zip64Len = currentZip64 ? 20 : 0;
    long unpadded = position + 30 + n.length + zip64Len + 4;
    int pad = (int) ((ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT);
    header.clear();
    header.putInt(0x04034b50);
    header.putShort((short) (currentZip64 ? 45 : 20));
    header.putShort((short) FLAGS);
    header.putShort((short) ZipDirectory.STORED);
    header.putShort((short) DOS_TIME);
    header.putShort((short) DOS_DATE);
    header.putInt(0); // CRC: in the data descriptor
    header.putInt(currentZip64 ? (int) U32 : 0);
    header.putInt(currentZip64 ? (int) U32 : 0);
    header.putShort((short) n.length);
    header.putShort((short) (zip64Len + 4 + pad));
    header.put(n);
    if (currentZip64) {
      header.putShort((short) 1).putShort((short) 16).putLong(0).putLong(0);
    }
    header.putShort((short) 0x4246).putShort((short) pad);
    for (int i = 0; i < pad; i++) {
      header.put((byte) 'Z');
    }
    writeHeader();
  }

  /** Writes payload bytes of the open entry; consumes the buffer. */
  void write(ByteBuffer bytes) throws IOException {
    int start = bytes.position();
    crc.update(bytes);
    bytes.position(start);
    currentSize += bytes.remaining();
    drain(bytes);
  }

  void write(byte[] bytes) throws IOException {
    write(ByteBuffer.wrap(bytes));
  }

  void end() throws IOException {
    if (!currentZip64 && currentSize >= U32) {
      throw new IllegalStateException("entry grew past 4 GiB without Zip64");
    }
    header.clear();
    header.putInt(0x08074b50);
    header.putInt((int) crc.getValue());
    if (currentZip64) {
      header.putLong(currentSize).putLong(currentSize);
    } else {
      header.putInt((int) currentSize).putInt((int) currentSize);
    }
    writeHeader();
    entries.add(new Written(currentName, currentOffset, currentSize, crc.getValue()));
    currentOffset = -1;
  }

  /** Writes the central directory and end records. */
  void finish() throws IOException {
    long cdStart = position;
    for (Written e : entries) {
      boolean bigSize = e.size >= U32;
      boolean bigOffset = e.offset >= U32;
      int extraLen = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
      header.clear();
      header.putInt(0x02014b50);
      header.putShort((short) 45);
      header.putShort((short) (extraLen > 0 ? 45 : 20));
      header.putShort((short) FLAGS);
      header.putShort((short) ZipDirectory.STORED);
      header.putShort((short) DOS_TIME);
      header.putShort((short) DOS_DATE);
      header.putInt((int) e.crc);
      header.putInt(bigSize ? (int) U32 : (int) e.size);
      header.putInt(bigSize ? (int) U32 : (int) e.size);
      header.putShort((short) e.name.length);
      header.putShort((short) (extraLen > 0 ? extraLen + 4 : 0));
      header.putShort((short) 0); // comment
      header.putShort((short) 0); // disk
      header.putShort((short) 0); // internal attributes
      header.putInt(0); // external attributes
      header.putInt(bigOffset ? (int) U32 : (int) e.offset);
      header.put(e.name);
      if (extraLen > 0) {
        header.putShort((short) 1).putShort((short) extraLen);
        if (bigSize) {
          header.putLong(e.size).putLong(e.size);
        }
        if (bigOffset) {
          header.putLong(e.offset);
        }
      }
      writeHeader();
    }
    long cdSize = position - cdStart;
    long zip64End = position;
    header.clear();
    header.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45);
    header.putInt(0).putInt(0).putLong(entries.size()).putLong(entries.size());
    header.putLong(cdSize).putLong(cdStart);
    header.putInt(0x07064b50).putInt(0).putLong(zip64End).putInt(1);
    header.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
    int n = (int) Math.min(entries.size(), 0xFFFF);
    header.putShort((short) n).putShort((short) n);
    header.putInt((int) Math.min(cdSize, U32)).putInt((int) Math.min(cdStart, U32));
    header.putShort((short) 0);
    writeHeader();
  }

  private void writeHeader() throws IOException {
    header.flip();
    drain(header);
  }

  private void drain(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      position += out.write(b);
    }
  }
}
