package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An open .pt file: its records as {@link PtValue}s and its storages, whose bytes are read on
 * demand. Opening reads only the zip directory and {@code data.pkl} (for the legacy format, the
 * pickles before the storages); tensor bytes are read by random access, one range at a time, so a
 * batch file of any size costs memory in proportion to its metadata only.
 *
 * <p>The channel is only read from. Reads are positional and thread-safe when the channel is a
 * {@link FileChannel}; other channels are read under a lock.
 */
public final class PtFile implements Closeable {

  /** The two layouts {@code torch.save} writes. */
  public enum Format {
    /** The default since torch 1.6: a zip archive with {@code data.pkl} and {@code data/<key>}. */
    ZIP,
    /** {@code _use_new_zipfile_serialization=False}: pickles followed by raw storages. */
    LEGACY;

    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Source src;
  private final Format format;
  private final PtValue root;
  private final List<StorageRef> storages;
  private final boolean ownsChannel;

  PtFile(Source src, Format format, PtValue root, List<StorageRef> storages, boolean ownsChannel) {
    this.src = src;
    this.format = format;
    this.root = root;
    this.storages = storages;
    this.ownsChannel = ownsChannel;
  }

  /** Opens a local file; closing the PtFile closes it. */
  public static PtFile open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return open(ch, path.toString(), true);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Reads a .pt file's structure from a channel the caller keeps open while it reads tensors and
   * closes afterwards.
   *
   * @param name the file's path or URI, used in error messages
   */
  public static PtFile open(SeekableByteChannel channel, String name) throws IOException {
    return open(channel, name, false);
  }

  private static PtFile open(SeekableByteChannel channel, String name, boolean owns)
      throws IOException {
    Source src = new Source(channel, name);
    if (src.size < 4) {
      throw src.error(Source.at(0), "expected a PyTorch file, found only " + src.size + " bytes");
    }
    ByteBuffer head = src.read(0, 4, "the file signature");
    int sig = head.getInt(0);
    if (sig == 0x04034b50) {
      return openZip(src, owns);
    }
    if ((sig & 0xFFFFFF) == 0x8a0280) {
      return LegacyFormat.open(src, owns);
    }
    throw src.error(
        Source.at(0),
        "expected a PyTorch file (the zip format starting with PK\\x03\\x04, or the legacy format's"
            + " pickle magic number), found bytes "
            + hex(head));
  }

  public Format format() {
    return format;
  }

  /** The path or URI given when opening. */
  public String name() {
    return src.name;
  }

  public long size() {
    return src.size;
  }

  /** The top-level value: for batch files, the list of records. */
  public PtValue root() {
    return root;
  }

  /** The records of a file whose top-level value is a list. */
  public List<PtValue> records() {
    if (root instanceof ListValue l) {
      return l.items();
    }
    throw src.error(
        "data.pkl", "expected a list of records at the top level, found a " + root.typeName());
  }

  /**
   * {@link #forEachRecord} holds a {@code data.pkl} up to this size (about 3,000 records' metadata)
   * to walk it twice from memory; a larger one is read from the file twice.
   */
  static final int PICKLE_IN_MEMORY = 1 << 20;

  /** Receives a file's records one at a time, in file order. */
  @FunctionalInterface
  public interface RecordVisitor {
    void record(int index, PtValue record) throws IOException;
  }

  /**
   * Reads the records of a file whose top-level value is a list and hands each to {@code visitor}
   * as soon as the pickle has appended it, keeping none. Memory holds one APPENDS batch of records
   * (torch's pickler writes at most 1,000 per batch; their tensors' bytes stay in the file), the
   * objects the pickle shares between records, the storages something still refers to, and a byte
   * and a slot per archive entry, however many records the file holds. Tensors are bound to their
   * bytes as by {@link #open}, and the channel must stay open while the visitor reads them. {@code
   * data.pkl} is walked twice: first to find which objects the pickle refers back to, so that only
   * those are remembered; up to {@link #PICKLE_IN_MEMORY} it is read once and walked from memory, a
   * larger one is read twice.
   *
   * <p>A legacy-format file names its storages' places only after its records, so it is read whole
   * first, as by {@link #open}.
   *
   * @return the number of records
   * @throws PtFormatException when the file is malformed, or its top-level value is not a list;
   *     records before the fault may already have been handed out
   */
  public static int forEachRecord(SeekableByteChannel channel, String name, RecordVisitor visitor)
      throws IOException {
    return forEachRecord(channel, name, visitor, PICKLE_IN_MEMORY);
  }

  static int forEachRecord(
      SeekableByteChannel channel, String name, RecordVisitor visitor, int pickleInMemory)
      throws IOException {
    Source src = new Source(channel, name);
    if (src.size < 4 || src.read(0, 4, "the file signature").getInt(0) != 0x04034b50) {
      // Not a zip: legacy format, or not a .pt file at all, which open explains.
      PtFile whole = open(channel, name);
      List<PtValue> records = whole.records();
      for (int i = 0; i < records.size(); i++) {
        visitor.record(i, records.get(i));
      }
      return records.size();
    }
    ZipPickle z = ZipPickle.find(src);
    Set<Long> reads;
    Unpickler u;
    if (z.pkl().size <= pickleInMemory) {
      // Small enough to hold: read once (a remote store then fetches it once), walk it twice.
      byte[] pickle;
      try (InputStream in = z.open()) {
        pickle = in.readNBytes((int) z.pkl().size);
      }
      reads = MemoPrescan.memoReads(new ByteArrayInputStream(pickle), pickle.length);
      u = z.streamingUnpickler(new ByteArrayInputStream(pickle));
    } else {
      try (InputStream in = z.open()) {
        reads = MemoPrescan.memoReads(in, z.pkl().size);
      }
      u = z.streamingUnpickler(z.open());
    }
    int[] next = {0};
    long n = u.stream(reads, item -> visitor.record(next[0]++, item));
    return Math.toIntExact(n);
  }

  /**
   * SHA-256 (hex) of a zip-format file's {@code data.pkl} as stored: the records' metadata and
   * where their tensors are, without reading any tensor bytes. Null for a legacy-format file, whose
   * pickles and tensor bytes are not separable.
   */
  public static String pickleSha256(SeekableByteChannel channel, String name) throws IOException {
    Source src = new Source(channel, name);
    if (src.size < 4 || src.read(0, 4, "the file signature").getInt(0) != 0x04034b50) {
      return null;
    }
    ZipPickle z = ZipPickle.find(src);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = z.open()) {
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Every storage the file's tensors point into, in the order the pickle first names them. */
  public List<StorageRef> storages() {
    return storages;
  }

  @Override
  public void close() throws IOException {
    if (ownsChannel) {
      src.channel.close();
    }
  }

  // ---------------------------------------------------------------- zip

  private static PtFile openZip(Source src, boolean owns) throws IOException {
    ZipPickle z = ZipPickle.find(src);
    Map<String, StorageRef> byKey = new LinkedHashMap<>();
    Unpickler u = z.unpickler(z.open(), byKey);
    PtValue root = rootValue(u, u.load());
    return new PtFile(
        src, Format.ZIP, root, Collections.unmodifiableList(new ArrayList<>(byKey.values())), owns);
  }

  /** A zip-format file's {@code data.pkl}, checked, and how its storages are found. */
  private record ZipPickle(Source src, ZipDirectory dir, String prefix, ZipDirectory.Entry pkl) {

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
          : new BufferedInputStream(
              src.inflated(start, pkl.compressedSize, pkl.where()), 64 * 1024);
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
            StorageRef ref = storageFor(declared(pid, 5, src, where), byKey, src, where);
            if (byKey.size() > known) {
              bind(ref, entry(ref.key()));
            }
            return ref;
          });
    }

    /**
     * An unpickler for {@link #forEachRecord}, which keeps a storage only while something uses it
     * (see {@link StreamedStorages}).
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
  }

  /**
   * The storages of a file read record by record. {@link #open} keeps every storage, since it lists
   * them; here one is held only while something refers to it (a record not yet handed out, a value
   * the pickle shares between records, a record the caller kept), so memory does not grow with the
   * records a file holds. Keeping them all cost about 260 bytes per storage (the reference, where
   * its bytes are, its key, a map entry) for as long as the file was read: 5 MB more at record
   * 20,000 than at record 1,000 of a 25,600-record batch with a storage per record.
   *
   * <p>While anything holds a storage, the pickle naming its key again gets the same object, as
   * with {@link #open}; once nothing does, no one can tell, and a new one is made. What each key
   * was first declared as is kept in a byte per archive entry, so a later declaration that
   * disagrees is refused with {@link #open}'s message however long ago the first was. Untyped
   * storages are held for the whole file: their element type is learnt from the tensors that view
   * them.
   */
  private static final class StreamedStorages {
    private final ZipPickle zip;

    /** Per archive entry: 0 while undeclared, else the first declaration's {@code DType} + 1. */
    private final byte[] firstDtype;

    private final Held[] held;
    private final ReferenceQueue<StorageRef> dropped = new ReferenceQueue<>();
    private final Map<String, StorageRef> untyped = new HashMap<>();

    /** A storage still in use, or a slot to clear once it is not. */
    private static final class Held extends WeakReference<StorageRef> {
      final int entry;

      Held(StorageRef ref, int entry, ReferenceQueue<StorageRef> queue) {
        super(ref, queue);
        this.entry = entry;
      }
    }

    StreamedStorages(ZipPickle zip) {
      this.zip = zip;
      this.firstDtype = new byte[zip.dir().size()];
      this.held = new Held[zip.dir().size()];
    }

    StorageRef load(List<Object> pid, String where) {
      for (Reference<? extends StorageRef> r; (r = dropped.poll()) != null; ) {
        Held h = (Held) r;
        if (held[h.entry] == h) {
          held[h.entry] = null;
        }
      }
      Declared d = declared(pid, 5, zip.src(), where);
      StorageRef kept = untyped.get(d.key());
      if (kept != null) {
        checkSame(kept.key(), kept.dtype(), kept.byteLength(), d, zip.src(), where);
        return kept;
      }
      ZipDirectory.Entry e = zip.entry(d.key());
      int i = e.index();
      if (firstDtype[i] != 0) {
        // Declared before, and its size then checked against the entry's.
        DType first = DType.values()[firstDtype[i] - 1];
        checkSame(d.key(), first, e.size, d, zip.src(), where);
        StorageRef live = held[i] == null ? null : held[i].get();
        return live != null ? live : hold(new StorageRef(d.key(), first, e.size), e);
      }
      StorageRef ref = new StorageRef(d.key(), d.dtype(), d.byteLength());
      if (d.dtype() == null) {
        zip.bind(ref, e);
        untyped.put(d.key(), ref);
        return ref;
      }
      hold(ref, e);
      firstDtype[i] = (byte) (d.dtype().ordinal() + 1);
      return ref;
    }

    private StorageRef hold(StorageRef ref, ZipDirectory.Entry e) {
      zip.bind(ref, e);
      held[e.index()] = new Held(ref, e.index(), dropped);
      return ref;
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

  // ---------------------------------------------------------------- shared

  static PtValue rootValue(Unpickler u, Object loaded) {
    PtValue root = u.value(loaded);
    try {
      Values.seal(root);
    } catch (Values.ShapeException e) {
      throw u.error(e.getMessage());
    }
    return root;
  }

  /**
   * Checks a persistent id, {@code ('storage', <storage type>, key, location, numel)} (legacy files
   * add view metadata, which must be None), and returns its one shared {@link StorageRef}.
   */
  /** What a persistent id declares: a storage's key, element type (null: untyped) and size. */
  record Declared(String key, DType dtype, long byteLength) {}

  static Declared declared(List<Object> pid, int arity, Source src, String where) {
    String shape = "('storage', <torch storage type>, key, location, numel)";
    if (pid.size() != arity
        || !(pid.get(0) instanceof StrValue tag)
        || !tag.value().equals("storage")) {
      throw src.error(
          where, "expected a persistent id " + shape + ", found a " + pid.size() + "-item tuple");
    }
    if (!(pid.get(1) instanceof Globals.Marker type)
        || !(type.qualifiedName().endsWith("Storage"))) {
      throw src.error(
          where,
          "expected a torch storage type in the persistent id, found "
              + Unpickler.describe(pid.get(1)));
    }
    if (!(pid.get(2) instanceof StrValue keyValue)
        || keyValue.value().isEmpty()
        || keyValue.value().contains("/")
        || keyValue.value().contains("\\")
        || keyValue.value().contains("..")) {
      throw src.error(
          where,
          "expected a storage key without '/', '\\' or '..', found "
              + (pid.get(2) instanceof StrValue s
                  ? "'" + Echo.cut(s.value()) + "'"
                  : Unpickler.describe(pid.get(2))));
    }
    if (!(pid.get(3) instanceof StrValue)) {
      throw src.error(where, "expected a device string in the persistent id");
    }
    if (!(pid.get(4) instanceof IntValue n)
        || n.value().signum() < 0
        || n.value().bitLength() > 62) {
      throw src.error(where, "expected a non-negative element count in the persistent id");
    }
    if (arity == 6 && !Globals.isNone(pid.get(5))) {
      throw src.error(where, "legacy storage views (view metadata) are not supported");
    }
    String key = keyValue.value();
    DType dtype = type.dtype();
    long byteLength;
    try {
      byteLength =
          dtype == null
              ? n.value().longValueExact()
              : Math.multiplyExact(n.value().longValueExact(), dtype.itemSize());
    } catch (ArithmeticException e) {
      throw src.error(where, "storage '" + Echo.cut(key) + "' size overflows 64-bit arithmetic");
    }
    return new Declared(key, dtype, byteLength);
  }

  /** The storage {@code d} names: the one already in {@code byKey}, or a new one put there. */
  static StorageRef storageFor(
      Declared d, Map<String, StorageRef> byKey, Source src, String where) {
    StorageRef existing = byKey.get(d.key());
    if (existing != null) {
      checkSame(existing.key(), existing.dtype(), existing.byteLength(), d, src, where);
      return existing;
    }
    StorageRef ref = new StorageRef(d.key(), d.dtype(), d.byteLength());
    byKey.put(d.key(), ref);
    return ref;
  }

  /** Refuses a second declaration of a storage that disagrees with the first. */
  private static void checkSame(
      String key, DType dtype, long byteLength, Declared again, Source src, String where) {
    if (again.dtype() != null && dtype != null && dtype != again.dtype()) {
      throw src.error(where, Tensors.twoDtypes(key, dtype, again.dtype()));
    }
    if (byteLength != again.byteLength()) {
      throw src.error(
          where,
          "storage '"
              + key
              + "' declared with "
              + byteLength
              + " and "
              + again.byteLength()
              + " bytes");
    }
  }

  private static String hex(ByteBuffer b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.limit(); i++) {
      sb.append(String.format("%02x", b.get(i)));
    }
    return sb.toString();
  }
}
