package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.ListValue;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
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

  private static String hex(ByteBuffer b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.limit(); i++) {
      sb.append(String.format("%02x", b.get(i)));
    }
    return sb.toString();
  }
}
