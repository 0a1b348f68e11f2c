package dev.splitflow.pt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-made zip archives and pickles for reader tests. */
final class Zips {
  private Zips() {}

  /** A zip holding the entries in order, STORED or DEFLATED. */
  static byte[] zip(Map<String, byte[]> entries, boolean deflate) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry z = new ZipEntry(e.getKey());
        if (!deflate) {
          z.setMethod(ZipEntry.STORED);
          z.setSize(e.getValue().length);
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          z.setCrc(crc.getValue());
        } else {
          z.setMethod(ZipEntry.DEFLATED);
        }
        out.putNextEntry(z);
        out.write(e.getValue());
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** An otherwise valid torch archive "archive/" around the given data.pkl and storages. */
  static byte[] torchZip(byte[] dataPkl, Map<String, byte[]> storages) throws IOException {
    LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", dataPkl);
    entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
    entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    return zip(entries, false);
  }

  /**
   * Pickle bytes from parts: a String is written as latin-1 bytes (opcodes and text), an Integer as
   * one byte, a byte[] as is.
   */
  static byte[] pkl(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
      } else if (p instanceof Integer i) {
        out.write(i);
      } else {
        out.writeBytes((byte[]) p);
      }
    }
    return out.toByteArray();
  }

  /** BINUNICODE. */
  static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return pkl("X", b.length & 0xFF, (b.length >> 8) & 0xFF, 0, 0, b);
  }
}
