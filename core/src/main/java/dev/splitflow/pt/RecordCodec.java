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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record as a few bytes that can travel, with its tensors as references to where their bytes are
 * in the batch file (not the bytes). This is what the split pipeline shuffles: a record is read
 * from its batch once to encode it, and its tensor bytes are read once more, by range, only when
 * its chunk is written. Shared values stay shared; in-memory storages travel inline.
 */
public final class RecordCodec {
  private RecordCodec() {}

  private static final int VERSION = 1;

  private static final int NONE = 0;
  private static final int FALSE = 1;
  private static final int TRUE = 2;
  private static final int INT = 3;
  private static final int FLOAT = 4;
  private static final int STR = 5;
  private static final int BYTES = 6;
  private static final int COMPLEX = 7;
  private static final int LIST = 8;
  private static final int TUPLE = 9;
  private static final int DICT = 10;
  private static final int SET = 11;
  private static final int TENSOR = 12;
  private static final int NDARRAY = 13;
  private static final int REF = 14;

  /** Encodes a record read by {@link PtFile} (or made in Java). */
  public static byte[] encode(PtValue record) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    encode(record, bytes);
    return bytes.toByteArray();
  }

  /** Appends a record's encoding to {@code sink}. */
  public static void encode(PtValue record, OutputStream sink) throws IOException {
    new Writer().encode(record, sink);
  }

  /**
   * Encodes records one after another, reusing its buffers and lookup tables: a fresh encoder per
   * record allocated four times the record's encoded size. Not thread-safe.
   */
  public static final class Writer {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private final DataOutputStream out = new DataOutputStream(buffer);
    private final Encoder encoder = new Encoder(out);

    /** Appends {@code record}'s encoding to {@code sink}. */
    public void encode(PtValue record, OutputStream sink) throws IOException {
      buffer.reset();
      encoder.reset();
      out.writeByte(VERSION);
      encoder.value(record);
      out.flush();
      buffer.writeTo(sink);
    }
  }

  private static final class Encoder {
    private final DataOutputStream out;
    private final Map<Object, Integer> seen = new IdentityHashMap<>();
    private final Map<StorageRef, Integer> storages = new IdentityHashMap<>();

    Encoder(DataOutputStream out) {
      this.out = out;
    }

    void reset() {
      seen.clear();
      storages.clear();
    }

    void value(PtValue v) throws IOException {
      boolean shareable =
          v instanceof Container || v instanceof TensorValue || v instanceof NdArrayValue;
      if (shareable) {
        Integer id = seen.get(v);
        if (id != null) {
          out.writeByte(REF);
          out.writeInt(id);
          return;
        }
        seen.put(v, seen.size());
      }
      if (v == NoneValue.NONE) {
        out.writeByte(NONE);
      } else if (v instanceof BoolValue b) {
        out.writeByte(b.value() ? TRUE : FALSE);
      } else if (v instanceof IntValue i) {
        out.writeByte(INT);
        bytes(i.value().toByteArray());
      } else if (v instanceof FloatValue f) {
        out.writeByte(FLOAT);
        out.writeLong(Double.doubleToRawLongBits(f.value()));
      } else if (v instanceof StrValue s) {
        out.writeByte(STR);
        bytes(s.utf8Unsafe());
      } else if (v instanceof BytesValue b) {
        out.writeByte(BYTES);
        out.writeBoolean(b.mutable());
        bytes(b.dataUnsafe());
      } else if (v instanceof ComplexValue c) {
        out.writeByte(COMPLEX);
        out.writeLong(Double.doubleToRawLongBits(c.real()));
        out.writeLong(Double.doubleToRawLongBits(c.imag()));
      } else if (v instanceof ListValue l) {
        out.writeByte(LIST);
        items(l.items());
      } else if (v instanceof TupleValue t) {
        out.writeByte(TUPLE);
        out.writeBoolean(t.isTorchSize());
        items(t.items());
      } else if (v instanceof SetValue s) {
        out.writeByte(SET);
        items(s.items());
      } else if (v instanceof DictValue d) {
        out.writeByte(DICT);
        out.writeByte(d.kind().ordinal());
        out.writeInt(d.size());
        for (int i = 0; i < d.size(); i++) {
          value(d.keyAt(i));
          value(d.valueAt(i));
        }
      } else if (v instanceof TensorValue t) {
        out.writeByte(TENSOR);
        out.writeUTF(t.dtype().name());
        longs(t.shapeUnsafe());
        longs(t.strideUnsafe());
        out.writeLong(t.storageOffset());
        out.writeBoolean(t.requiresGrad());
        out.writeBoolean(t.isParameter());
        storage(t.storage());
      } else if (v instanceof NdArrayValue a) {
        out.writeByte(NDARRAY);
        out.writeUTF(a.dtype().name());
        out.writeUTF(a.numpyDtype());
        longs(a.shape());
        out.writeBoolean(a.fortranOrder());
        out.writeBoolean(a.isScalar());
        bytes(a.rawUnsafe());
      }
    }

    private void storage(StorageRef s) throws IOException {
      Integer id = storages.get(s);
      out.writeInt(id == null ? -1 : id);
      if (id != null) {
        return;
      }
      storages.put(s, storages.size());
      out.writeUTF(s.key());
      out.writeUTF(s.dtype().name());
      out.writeLong(s.byteLength());
      StorageData.Location at = s.location();
      if (at == null) {
        out.writeByte(-1);
        bytes(s.readAll());
      } else {
        out.writeByte(at.kind().ordinal());
        out.writeLong(at.offset());
        out.writeLong(at.length());
      }
    }

    private void items(List<PtValue> items) throws IOException {
      out.writeInt(items.size());
      for (PtValue item : items) {
        value(item);
      }
    }

    private void longs(long[] values) throws IOException {
      out.writeByte(values.length);
      for (long x : values) {
        out.writeLong(x);
      }
    }

    private void bytes(byte[] b) throws IOException {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  /**
   * Decodes records of one batch file; their tensors read from {@code channel}, which must be that
   * file and stay open while the records are used. Not thread-safe; one per file and thread.
   */
  public static final class Decoder {
    // Reused for every record: a reader per record allocated more than the record it built.
    private final Input input = new Input();
    private final DataInputStream in = new DataInputStream(input);
    private final Reading reading;

    public Decoder(SeekableByteChannel channel, String name) throws IOException {
      this.reading = new Reading(in, new Source(channel, name));
    }

    public PtValue decode(byte[] encoded) throws IOException {
      return decode(encoded, 0, encoded.length);
    }

    /** Decodes the record encoded in {@code encoded[offset .. offset + length)}. */
    public PtValue decode(byte[] encoded, int offset, int length) throws IOException {
      input.reset(encoded, offset, length);
      reading.reset();
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException("record encoded with version " + version + ", expected " + VERSION);
      }
      PtValue v = reading.value();
      if (in.available() != 0) {
        throw new IOException(
            "a record encoding of " + length + " bytes has " + in.available() + " left over");
      }
      Values.seal(v);
      return v;
    }
  }

  /** A byte array input that can be pointed at another range. */
  private static final class Input extends ByteArrayInputStream {
    Input() {
      super(new byte[0]);
    }

    void reset(byte[] bytes, int offset, int length) {
      buf = bytes;
      pos = offset;
      count = Math.min(offset + length, bytes.length);
      mark = offset;
    }
  }

  private static final class Reading {
    private final DataInputStream in;
    private final Source src;
    private final List<PtValue> seen = new ArrayList<>();
    private final Map<Integer, StorageRef> storages = new HashMap<>();

    Reading(DataInputStream in, Source src) {
      this.in = in;
      this.src = src;
    }

    void reset() {
      seen.clear();
      storages.clear();
    }

    // One case per tag, mirroring the encoder's, so the two read side by side.
    @SuppressWarnings("checkstyle:MethodLength")
    PtValue value() throws IOException {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case NONE:
          return NoneValue.NONE;
        case FALSE:
          return BoolValue.FALSE;
        case TRUE:
          return BoolValue.TRUE;
        case INT:
          return new IntValue(new BigInteger(bytes()));
        case FLOAT:
          return new FloatValue(Double.longBitsToDouble(in.readLong()));
        case STR:
          return new StrValue(bytes());
        case BYTES:
          {
            boolean mutable = in.readBoolean();
            return new BytesValue(bytes(), mutable);
          }
        case COMPLEX:
          return new ComplexValue(
              Double.longBitsToDouble(in.readLong()), Double.longBitsToDouble(in.readLong()));
        case REF:
          return seen.get(in.readInt());
        case LIST:
          {
            ListValue l = new ListValue(new ArrayList<>());
            seen.add(l);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
              l.mutableItems().add(value());
            }
            return l;
          }
        case TUPLE:
          {
            // A tuple cannot contain itself, so it is registered after its items, as pickle does.
            int slot = seen.size();
            seen.add(null);
            boolean size = in.readBoolean();
            int n = in.readInt();
            List<PtValue> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              items.add(value());
            }
            TupleValue t = new TupleValue(List.copyOf(items), size);
            seen.set(slot, t);
            return t;
          }
        case SET:
          {
            SetValue s = new SetValue();
            seen.add(s);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
              s.add(value());
            }
            return s;
          }
        case DICT:
          {
            DictValue d = new DictValue(DictValue.Kind.values()[in.readUnsignedByte()]);
            seen.add(d);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
              PtValue k = value();
              d.put(k, value());
            }
            return d;
          }
        case TENSOR:
          {
            int slot = seen.size();
            seen.add(null);
            DType dtype = DType.valueOf(in.readUTF());
            long[] shape = longs();
            long[] stride = longs();
            long offset = in.readLong();
            boolean requiresGrad = in.readBoolean();
            boolean parameter = in.readBoolean();
            StorageRef storage = storage();
            TensorValue t =
                new TensorValue(dtype, shape, stride, offset, storage, requiresGrad, parameter);
            seen.set(slot, t);
            return t;
          }
        case NDARRAY:
          {
            DType dtype = DType.valueOf(in.readUTF());
            String numpy = in.readUTF();
            long[] shape = longs();
            boolean fortran = in.readBoolean();
            boolean scalar = in.readBoolean();
            NdArrayValue a = new NdArrayValue(dtype, numpy, shape, fortran, scalar, bytes());
            seen.add(a);
            return a;
          }
        default:
          throw new IOException("corrupt encoded record: tag " + tag);
      }
    }

    private StorageRef storage() throws IOException {
      int id = in.readInt();
      if (id >= 0) {
        return storages.get(id);
      }
      String key = in.readUTF();
      DType dtype = DType.valueOf(in.readUTF());
      long byteLength = in.readLong();
      int kind = in.readByte();
      StorageRef ref;
      if (kind < 0) {
        ref = StorageRef.ofBytes(dtype, bytes());
      } else {
        ref = new StorageRef(key, dtype, byteLength);
        StorageData.Location at =
            new StorageData.Location(StorageData.Kind.values()[kind], in.readLong(), in.readLong());
        ref.bind(StorageData.open(src, ref, at, "storage '" + key + "'"));
      }
      storages.put(storages.size(), ref);
      return ref;
    }

    private long[] longs() throws IOException {
      long[] v = new long[in.readUnsignedByte()];
      for (int i = 0; i < v.length; i++) {
        v[i] = in.readLong();
      }
      return v;
    }

    private byte[] bytes() throws IOException {
      byte[] b = new byte[in.readInt()];
      in.readFully(b);
      return b;
    }
  }
}
