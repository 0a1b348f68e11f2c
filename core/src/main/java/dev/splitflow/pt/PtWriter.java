package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.ComplexValue;
import dev.splitflow.pt.PtValue.Container;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.SetValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtValue.TupleValue;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Streams records into a new zip-format .pt file that default {@code torch.load(path)} reads
 * (weights_only, and with {@code mmap=True}), holding the list of records.
 *
 * <p>Each {@link #append} pickles one record and copies its tensors' bytes straight from their
 * source storages to the output through one bounded buffer; only the pickle (metadata) is kept
 * until {@link #close}, which writes {@code data.pkl} and the zip directory. Every tensor becomes
 * its own storage: C-contiguous and holding exactly its elements, so a view into a large stacked
 * tensor does not drag the stack along; or, for a view with fewer distinct elements than elements
 * (stride 0, overlapping strides), the storage span it covers with its strides kept, so it is never
 * larger than its source storage. numpy values become tensors of the same dtype and shape. Only
 * opcodes and globals that torch's weights_only unpickler accepts are written, and the same records
 * always give the same bytes.
 */
public final class PtWriter implements Closeable {
  private static final int BATCH = 1000; // APPENDS/SETITEMS batch size, as Python's pickler
  private static final int PROTOCOL = 2; // the PROTO torch.save writes

  private final ZipWriter zip;
  private final WritableByteChannel out;
  private final String prefix;
  private final PickleOutput pickle = new PickleOutput(4096);
  private int nextKey;

  /** Which source storages the planned records share, from {@link #plan}. */
  private final SharedStorages sharing = new SharedStorages();

  private long records;
  private long storageBytes;
  private boolean closed;

  /**
   * @param archiveName the archive's folder name; torch uses the file name without its last
   *     extension ({@code train_chunk_00000} for {@code train_chunk_00000.pt})
   */
  public PtWriter(WritableByteChannel out, String archiveName) {
    if (archiveName.isEmpty()
        || archiveName.contains("/")
        || archiveName.contains("\\")
        || archiveName.length() > 1024) {
      throw new IllegalArgumentException(
          "archive name must be 1 to 1024 characters without '/' or '\\': '" + archiveName + "'");
    }
    this.out = out;
    this.zip = new ZipWriter(out);
    this.prefix = archiveName + "/";
    // PROTO 2, EMPTY_LIST, BINPUT 0: the list the records are appended to.
    pickle.write(Opcodes.PROTO);
    pickle.write(PROTOCOL);
    pickle.write(Opcodes.EMPTY_LIST);
    pickle.write(Opcodes.BINPUT);
    pickle.write(0);
  }

  /**
   * A writer to a new local file (replacing one that exists), whose archive folder is named as
   * torch names it.
   */
  public static PtWriter create(Path file) throws IOException {
    return new PtWriter(
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING),
        archiveNameFor(file.getFileName().toString()));
  }

  /** The folder name torch would give a file of this name: the name without its last extension. */
  public static String archiveNameFor(String fileName) {
    String base = fileName.substring(fileName.lastIndexOf('/') + 1);
    int dot = base.lastIndexOf('.');
    return dot > 0 ? base.substring(0, dot) : base;
  }

  /**
   * Declares a record a later {@link #append} writes, before the first append. Views of one source
   * storage in the declared records (records[i] = stack[i] views, expand() views of one base, one
   * tensor in many records) whose own storages would together hold more than the part of the source
   * storage they cover are written as torch.save writes them: that part once, every view keeping
   * its strides into it. So a chunk never holds more tensor bytes than the source storages its
   * records view; without a plan, each view is written on its own. Records that view disjoint parts
   * are written exactly as without a plan.
   */
  public void plan(PtValue record) {
    if (closed || !sharing.planning()) {
      throw new IllegalStateException("plan every record before the first append");
    }
    sharing.add(record);
  }

  /**
   * Appends one record. The record is checked first: a value that cannot be written exactly throws
   * {@link PtWriteException} and leaves the writer as it was.
   */
  public void append(PtValue record) throws IOException {
    if (closed) {
      throw new IllegalStateException("writer is closed");
    }
    sharing.endPlanning(); // only needed while planning
    check(
        record,
        new Where(null, records, null, Where.RECORD),
        Collections.newSetFromMap(new IdentityHashMap<>()));
    if (records % BATCH == 0) {
      pickle.write(Opcodes.MARK);
    }
    write(record);
    records++;
    if (records % BATCH == 0) {
      pickle.write(Opcodes.APPENDS);
    }
  }

  public long recordCount() {
    return records;
  }

  /** Tensor bytes written so far. */
  public long storageBytes() {
    return storageBytes;
  }

  /** Writes data.pkl and the zip directory, then closes the channel. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (records % BATCH != 0) {
        pickle.write(Opcodes.APPENDS);
      }
      pickle.write(Opcodes.STOP);
      byte[] pkl = pickle.toByteArray();
      zip.begin(prefix + "data.pkl", pkl.length);
      zip.write(pkl);
      zip.end();
      // Only these two records: torch requires `version`, and a `.format_version` would make
      // torch.load(mmap=True) assume miniz's exact layout (see docs/formats.md).
      writeSmall("version", "3\n");
      writeSmall("byteorder", "little");
      zip.finish();
    } finally {
      out.close();
    }
  }

  private void writeSmall(String name, String text) throws IOException {
    zip.begin(prefix + name, text.length());
    zip.write(text.getBytes(StandardCharsets.US_ASCII));
    zip.end();
  }

  // ---------------------------------------------------------------- checking

  /**
   * Where a value sits in the record being checked, spelled out only when an error names it:
   * building every value's path as a string allocated several strings per value of every record
   * written (JFR, 100,000 records: about 350 MB less allocated without them).
   */
  private record Where(Where parent, long n, PtValue key, int kind) {
    static final int RECORD = 0;
    static final int ITEM = 1;
    static final int KEY = 2;
    static final int VALUE = 3;

    @Override
    public String toString() {
      return switch (kind) {
        case RECORD -> "record " + n;
        case ITEM -> parent + "[" + n + "]";
        case KEY -> parent + " key " + n;
        default -> parent + "[" + label(key) + "]";
      };
    }
  }

  private void check(PtValue v, Where path, Set<PtValue> seen) {
    if (v instanceof Container && !seen.add(v)) {
      return; // shared: checked where first met (the graph is acyclic, see Values.seal)
    }
    if (v instanceof IntValue i) {
      if (i.value().bitLength() + 1 > 255 * 8) {
        throw new PtWriteException(
            path
                + ": int of "
                + i.value().bitLength()
                + " bits is too large; weights_only torch.load refuses ints of 2040 bits or more");
      }
    } else if (v instanceof TensorValue t) {
      if (!t.dtype().hasTypedStorage() && t.isParameter()) {
        throw new PtWriteException(
            path + ": " + t.dtype().torchName() + " parameters are not supported");
      }
    } else if (v instanceof ListValue || v instanceof TupleValue || v instanceof SetValue) {
      List<PtValue> items = Values.children((Container) v);
      for (int i = 0; i < items.size(); i++) {
        check(items.get(i), new Where(path, i, null, Where.ITEM), seen);
      }
    } else if (v instanceof DictValue d) {
      for (int i = 0; i < d.size(); i++) {
        PtValue k = d.keyAt(i);
        check(k, new Where(path, i, null, Where.KEY), seen);
        check(d.valueAt(i), new Where(path, i, k, Where.VALUE), seen);
      }
    }
  }

  private static String label(PtValue k) {
    return k instanceof StrValue s ? "'" + Echo.cut(s.value()) + "'" : k.typeName();
  }

  // ---------------------------------------------------------------- pickling

  private void write(PtValue v) throws IOException {
    if (v == NoneValue.NONE) {
      pickle.write(Opcodes.NONE);
    } else if (v instanceof BoolValue b) {
      pickle.write(b.value() ? Opcodes.NEWTRUE : Opcodes.NEWFALSE);
    } else if (v instanceof IntValue i) {
      pickle.writeInt(i.value());
    } else if (v instanceof FloatValue f) {
      pickle.writeFloat(f.value());
    } else if (v instanceof StrValue s) {
      pickle.writeStr(s.utf8Unsafe());
    } else if (v instanceof BytesValue b) {
      writeBytes(b);
    } else if (v instanceof ComplexValue c) {
      pickle.global("builtins", "complex");
      pickle.writeFloat(c.real());
      pickle.writeFloat(c.imag());
      pickle.write(Opcodes.TUPLE2);
      pickle.write(Opcodes.REDUCE);
    } else if (v instanceof TensorValue t) {
      if (!pickle.memoGet(t)) {
        writeTensor(t);
        pickle.memoPut(t);
      }
    } else if (v instanceof NdArrayValue a) {
      if (!pickle.memoGet(a)) {
        writeTensor(a.toTensor());
        pickle.memoPut(a);
      }
    } else if (v instanceof Container c) {
      if (!pickle.memoGet(c)) {
        writeContainer(c);
      }
    }
  }

  private void writeContainer(Container c) throws IOException {
    if (c instanceof ListValue l) {
      pickle.write(Opcodes.EMPTY_LIST);
      pickle.memoPut(l);
      writeBatched(l.items(), Opcodes.APPENDS, Opcodes.APPEND, 1);
    } else if (c instanceof TupleValue t) {
      if (t.isTorchSize()) {
        pickle.global("torch", "Size");
      }
      List<PtValue> items = t.items();
      if (items.isEmpty()) {
        pickle.write(Opcodes.EMPTY_TUPLE);
      } else if (items.size() <= 3) {
        for (PtValue item : items) {
          write(item);
        }
        pickle.write(Opcodes.TUPLE1 - 1 + items.size());
      } else {
        pickle.write(Opcodes.MARK);
        for (PtValue item : items) {
          write(item);
        }
        pickle.write(Opcodes.TUPLE);
      }
      if (t.isTorchSize()) {
        pickle.write(Opcodes.TUPLE1);
        pickle.write(Opcodes.REDUCE);
      }
      pickle.memoPut(t);
    } else if (c instanceof SetValue s) {
      pickle.global("builtins", "set");
      pickle.write(Opcodes.EMPTY_LIST);
      writeBatched(s.items(), Opcodes.APPENDS, Opcodes.APPEND, 1);
      pickle.write(Opcodes.TUPLE1);
      pickle.write(Opcodes.REDUCE);
      pickle.memoPut(s);
    } else if (c instanceof DictValue d) {
      switch (d.kind()) {
        case DICT -> pickle.write(Opcodes.EMPTY_DICT);
        case ORDERED_DICT -> {
          pickle.global("collections", "OrderedDict");
          pickle.write(Opcodes.EMPTY_TUPLE);
          pickle.write(Opcodes.REDUCE);
        }
        case COUNTER -> {
          pickle.global("collections", "Counter");
          pickle.write(Opcodes.EMPTY_TUPLE);
          pickle.write(Opcodes.REDUCE);
        }
      }
      pickle.memoPut(d);
      List<PtValue> kv = Values.children(d);
      writeBatched(kv, Opcodes.SETITEMS, Opcodes.SETITEM, 2);
    }
  }

  /** Items in MARK ... APPENDS/SETITEMS batches of 1000, or the single-item opcode for one. */
  private void writeBatched(List<PtValue> items, int many, int one, int per) throws IOException {
    int n = items.size() / per;
    if (n == 1) {
      for (PtValue item : items) {
        write(item);
      }
      pickle.write(one);
      return;
    }
    for (int start = 0; start < n; start += BATCH) {
      int end = Math.min(n, start + BATCH);
      pickle.write(Opcodes.MARK);
      for (int i = start * per; i < end * per; i++) {
        write(items.get(i));
      }
      pickle.write(many);
    }
  }

  private void writeTensor(TensorValue t) throws IOException {
    SharedStorages.Shared shared = sharing.sharedStorageOf(t);
    if (shared != null) {
      writeSharedView(t, shared);
      return;
    }
    String key = Integer.toString(nextKey++);
    DType dtype = t.dtype();
    long[] shape = t.shapeUnsafe();
    // Compact unless the view covers fewer storage bytes than it has elements (stride 0 from
    // expand(), overlapping windows): then its strides are kept over the span it covers, as torch
    // keeps them over the whole storage, so the chunk never holds more than the source storage.
    long storedElems = SharedStorages.soloElements(t);
    boolean compact = storedElems == t.numel();
    long storedBytes = storedElems * dtype.itemSize();
    // An empty tensor keeps its strides: C-order strides of (2^40, 2^40, 0) overflow int64.
    long[] strides = compact && t.numel() > 0 ? Shapes.contiguousStrides(shape) : t.strideUnsafe();
    pickleTensor(t, key, storedElems, 0, strides);

    zip.begin(prefix + "data/" + key, storedBytes);
    if (compact) {
      TensorBytes.copy(t, TensorBytes.threadBuffer(), zip::write);
    } else {
      TensorBytes.copySpan(t, TensorBytes.threadBuffer(), zip::write);
    }
    zip.end();
    storageBytes += storedBytes;
  }

  /**
   * A view of a storage that {@link #plan} found shared: the part of the source storage the chunk's
   * views cover is written once, under one key, when the first of them is written, and every view
   * keeps its strides and its offset into that part, as {@code torch.save} writes views of one
   * storage.
   */
  private void writeSharedView(TensorValue t, SharedStorages.Shared s) throws IOException {
    int item = t.dtype().itemSize();
    long elems = s.hi - s.lo;
    if (s.key == null) {
      s.key = Integer.toString(nextKey++);
      long bytes = elems * item;
      zip.begin(prefix + "data/" + s.key, bytes);
      TensorBytes.copyRange(
          t.storage(), s.lo * item, bytes, TensorBytes.threadBuffer(), zip::write);
      zip.end();
      storageBytes += bytes;
    }
    pickleTensor(t, s.key, elems, t.storageOffset() - s.lo, t.strideUnsafe());
  }

  /**
   * The pickle of {@code _rebuild_tensor_v2} (or v3, or a parameter) for {@code t} over storage
   * {@code key} of {@code storedElems} elements.
   */
  private void pickleTensor(
      TensorValue t, String key, long storedElems, long offset, long[] strides) throws IOException {
    DType dtype = t.dtype();
    boolean typed = dtype.hasTypedStorage();
    if (t.isParameter()) {
      pickle.global("torch._utils", "_rebuild_parameter");
      pickle.write(Opcodes.MARK);
    }
    pickle.global("torch._utils", typed ? "_rebuild_tensor_v2" : "_rebuild_tensor_v3");
    pickle.write(Opcodes.MARK);
    // Persistent id: ('storage', storage type, key, 'cpu', numel).
    pickle.write(Opcodes.MARK);
    pickle.writeStr("storage".getBytes(StandardCharsets.US_ASCII));
    if (typed) {
      pickle.global("torch", dtype.storageClass().get());
    } else {
      pickle.global("torch.storage", "UntypedStorage");
    }
    pickle.writeStr(key.getBytes(StandardCharsets.US_ASCII));
    pickle.writeStr("cpu".getBytes(StandardCharsets.US_ASCII));
    pickle.writeInt(BigInteger.valueOf(typed ? storedElems : storedElems * dtype.itemSize()));
    pickle.write(Opcodes.TUPLE);
    pickle.write(Opcodes.BINPERSID);
    pickle.writeInt(BigInteger.valueOf(offset));
    pickle.writeLongs(t.shapeUnsafe());
    pickle.writeLongs(strides);
    pickle.write(t.requiresGrad() && !t.isParameter() ? Opcodes.NEWTRUE : Opcodes.NEWFALSE);
    pickle.global("collections", "OrderedDict");
    pickle.write(Opcodes.EMPTY_TUPLE);
    pickle.write(Opcodes.REDUCE);
    if (!typed) {
      pickle.global("torch", dtype.torchName());
    }
    pickle.write(Opcodes.TUPLE);
    pickle.write(Opcodes.REDUCE);
    if (t.isParameter()) {
      pickle.write(t.requiresGrad() ? Opcodes.NEWTRUE : Opcodes.NEWFALSE);
      pickle.global("collections", "OrderedDict");
      pickle.write(Opcodes.EMPTY_TUPLE);
      pickle.write(Opcodes.REDUCE);
      pickle.write(Opcodes.TUPLE);
      pickle.write(Opcodes.REDUCE);
    }
  }

  /** bytes as {@code _codecs.encode(latin1_text, 'latin1')}, which also works for b"". */
  private void writeBytes(BytesValue b) {
    if (b.mutable()) {
      pickle.global("builtins", "bytearray");
    }
    pickle.global("_codecs", "encode");
    byte[] data = b.dataUnsafe();
    StringBuilder latin1 = new StringBuilder(data.length);
    for (byte x : data) {
      latin1.append((char) (x & 0xFF));
    }
    pickle.writeStr(latin1.toString().getBytes(StandardCharsets.UTF_8));
    pickle.writeStr("latin1".getBytes(StandardCharsets.US_ASCII));
    pickle.write(Opcodes.TUPLE2);
    pickle.write(Opcodes.REDUCE);
    if (b.mutable()) {
      pickle.write(Opcodes.TUPLE1);
      pickle.write(Opcodes.REDUCE);
    }
  }
}
