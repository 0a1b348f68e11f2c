package dev.splitflow.pt;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A zip-format file's {@code data.pkl}, checked (one archive folder, a version and byte order torch
 * accepts, a compression it can inflate), and how the storages it names are found in the archive
 * and bound to their bytes. Shared by {@link PtFile#open}, {@link PtFile#forEachRecord} and {@link
 * PtFile#pickleSha256}; the legacy layout is {@link LegacyFormat}'s.
 */
record ZipPickle(Source src, ZipDirectory dir, String prefix, ZipDirectory.Entry pkl) {

  static ZipPickle find(Source src) throws IOException {
    ZipDirectory dir = ZipDirectory.read(src);
    if (dir.size() == 0) {
      throw src.error("zip directory", "expected data.pkl and storages, found an empty archive");
    }
    String first = dir.entry(0).name;
    int slash = first.indexOf('/');
    if (slash <= 0) {
      throw src.error(
          "entry '" + Echo.cut(first) + "'",
          "expected entries inside one archive folder (folder/data.pkl), found one at the root");
    }
    String prefix = first.substring(0, slash + 1);
    int outside = dir.firstOutside(prefix);
    if (outside >= 0) {
      throw src.error(
          dir.entry(outside).where(),
          "is outside the archive folder '"
              + Echo.cut(prefix)
              + "'; expected every entry in one folder (torch.load refuses a second folder)");
    }
    ZipDirectory.Entry pkl = dir.get(prefix + "data.pkl");
    if (pkl == null) {
      throw src.error(
          "archive '" + prefix + "'", "expected an entry " + prefix + "data.pkl, found none");
    }
    checkVersion(src, dir, prefix);
    checkByteOrder(src, dir, prefix);
    if (pkl.method == ZipDirectory.DEFLATED && pkl.size > pkl.compressedSize * 1032 + 1024) {
      // Deflate cannot expand more than about 1032:1; a larger claim is a decompression bomb.
      throw src.error(
          pkl.where(),
          "declares "
              + pkl.size
              + " bytes inflated from "
              + pkl.compressedSize
              + ", more than deflate can produce");
    } else if (pkl.method != ZipDirectory.STORED && pkl.method != ZipDirectory.DEFLATED) {
      throw src.error(
          pkl.where(), "expected STORED or DEFLATED, found compression method " + pkl.method);
    }
    return new ZipPickle(src, dir, prefix, pkl);
  }

  /** The pickle's bytes, from the start: each call reads them anew. */
  InputStream open() throws IOException {
    long start = dir.payloadOffset(pkl);
    // Buffered: the pickle is read an opcode at a time, and a byte read from an inflater costs
    // a call into zlib (a 50 MB deflated pickle took 16 s to walk).
    return pkl.method == ZipDirectory.STORED
        ? src.region(start, pkl.compressedSize, pkl.where())
        : new BufferedInputStream(src.inflated(start, pkl.compressedSize, pkl.where()), 64 * 1024);
  }

  /**
   * An unpickler over {@code in} whose storages are looked up in the archive, and bound to their
   * bytes, when the pickle first names them.
   */
  Unpickler unpickler(InputStream in, Map<String, StorageRef> byKey) throws IOException {
    return unpickler(
        in,
        (pid, where) -> {
          int known = byKey.size();
          StorageRef ref =
              PersistentIds.storageFor(
                  PersistentIds.declared(pid, 5, src, where), byKey, src, where);
          if (byKey.size() > known) {
            bind(ref, entry(ref.key()));
          }
          return ref;
        });
  }

  /**
   * An unpickler for {@link PtFile#forEachRecord}, which keeps a storage only while something uses
   * it (see {@link StreamedStorages}).
   */
  Unpickler streamingUnpickler(InputStream in) throws IOException {
    return unpickler(in, new StreamedStorages(this)::load);
  }

  private Unpickler unpickler(InputStream in, Unpickler.PersistentLoader loader)
      throws IOException {
    // Offsets in errors: file offsets for a stored pickle, offsets into the inflated bytes else.
    long base = pkl.method == ZipDirectory.STORED ? dir.payloadOffset(pkl) : -1;
    return new Unpickler(in, src, pkl.where(), base, pkl.size, loader);
  }

  /** The archive entry holding the bytes of the storage {@code key}. */
  ZipDirectory.Entry entry(String key) {
    String entryName = prefix + "data/" + key;
    ZipDirectory.Entry e = dir.get(entryName);
    if (e == null) {
      throw src.error(
          "entry '" + entryName + "'",
          "expected the storage '"
              + Echo.cut(key)
              + "' that data.pkl refers to, found no such entry");
    }
    return e;
  }

  /** Checks that {@code e} holds {@code ref}'s bytes and points {@code ref} at them. */
  void bind(StorageRef ref, ZipDirectory.Entry e) {
    if (e.size != ref.byteLength()) {
      throw src.error(
          e.where(),
          "expected "
              + ref.byteLength()
              + " bytes ("
              + (ref.dtype() == null
                  ? "an untyped storage"
                  : ref.numel() + " " + ref.dtype().torchName() + " elements")
              + "), found "
              + e.size);
    }
    if (e.method == ZipDirectory.STORED) {
      if (e.compressedSize != e.size) {
        throw src.error(e.where(), "stored entry has different compressed and plain sizes");
      }
      ref.bind(StorageData.open(src, ref, location(StorageData.Kind.ZIP_STORED, e), e.where()));
    } else if (e.method == ZipDirectory.DEFLATED) {
      ref.bind(StorageData.open(src, ref, location(StorageData.Kind.ZIP_DEFLATED, e), e.where()));
    } else {
      throw src.error(
          e.where(), "expected STORED or DEFLATED, found compression method " + e.method);
    }
  }

  private static StorageData.Location location(StorageData.Kind kind, ZipDirectory.Entry e) {
    return new StorageData.Location(kind, e.localHeaderOffset, e.compressedSize);
  }

  private static void checkVersion(Source src, ZipDirectory dir, String prefix) throws IOException {
    ZipDirectory.Entry v = dir.get(prefix + "version");
    if (v == null) {
      v = dir.get(prefix + ".data/version");
    }
    if (v == null) {
      throw src.error(
          "archive '" + prefix + "'", "expected an entry " + prefix + "version, found none");
    }
    String text = smallText(src, dir, v).trim();
    int version;
    try {
      version = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      version = -1;
    }
    if (version < 1 || version > 10) {
      throw src.error(v.where(), "expected a format version from 1 to 10, found '" + text + "'");
    }
  }

  private static void checkByteOrder(Source src, ZipDirectory dir, String prefix)
      throws IOException {
    ZipDirectory.Entry b = dir.get(prefix + "byteorder");
    if (b != null) {
      String order = smallText(src, dir, b).trim();
      if (!order.equals("little")) {
        throw src.error(b.where(), "expected byte order 'little', found '" + order + "'");
      }
    }
  }

  private static String smallText(Source src, ZipDirectory dir, ZipDirectory.Entry e)
      throws IOException {
    if (e.method != ZipDirectory.STORED || e.size > 64) {
      if (e.method == ZipDirectory.DEFLATED && e.size <= 64) {
        try (InputStream in = src.inflated(dir.payloadOffset(e), e.compressedSize, e.where())) {
          return new String(in.readNBytes(64), StandardCharsets.UTF_8);
        }
      }
      throw src.error(e.where(), "expected a short text record, found " + e.size + " bytes");
    }
    ByteBuffer b = src.read(dir.payloadOffset(e), (int) e.size, e.where());
    return StandardCharsets.UTF_8.decode(b).toString();
  }
}
