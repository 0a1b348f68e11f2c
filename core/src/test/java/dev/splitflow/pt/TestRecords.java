package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.ComplexValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.SetValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtValue.TupleValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Records and files for tests, made with the Java writer. */
final class TestRecords {
  private TestRecords() {}

  static PtValue str(String s) {
    return StrValue.of(s);
  }

  static PtValue i(long v) {
    return IntValue.of(v);
  }

  static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** A record with every kind of value the writer supports. */
  static PtValue kitchenSink(int n) {
    Random r = new Random(n);
    Map<String, PtValue> m = new LinkedHashMap<>();
    m.put("image", TensorValue.of(DType.FLOAT16, new long[] {1, 4, 4}, randomBytes(r, 32)));
    m.put("view_position", str(n % 2 == 0 ? "PA" : "AP"));
    m.put("clinical_features", n % 3 == 0 ? NoneValue.NONE : ListValue.of(List.of()));
    m.put("subject_id", i(1000 + n));
    m.put("big", new IntValue(BigInteger.TWO.pow(200).negate()));
    m.put("floats", ListValue.of(List.of(new FloatValue(Double.NaN), new FloatValue(-0.0))));
    m.put("unicode", str("Ωmega \ud83d\ude00 \ud800"));
    m.put("bytes", new BytesValue(new byte[] {0, (byte) 0xFF, 'a'}, false));
    m.put("empty_bytes", new BytesValue(new byte[0], false));
    m.put("bytearray", new BytesValue(new byte[] {1, 2}, true));
    m.put("complex", new ComplexValue(1.5, -2.0));
    m.put("tuple", TupleValue.of(List.of(i(1), str("x"), BoolValue.TRUE, NoneValue.NONE)));
    m.put("set", SetValue.of(List.of(i(3), i(1))));
    Map<PtValue, PtValue> od = new LinkedHashMap<>();
    od.put(str("b"), i(2));
    od.put(str("a"), i(1));
    m.put("ordered", DictValue.of(DictValue.Kind.ORDERED_DICT, od));
    Map<PtValue, PtValue> intKeys = new LinkedHashMap<>();
    intKeys.put(i(7), str("seven"));
    intKeys.put(TupleValue.of(List.of(i(1), i(2))), str("pair"));
    m.put("int_keys", DictValue.of(DictValue.Kind.DICT, intKeys));
    m.put("label", TensorValue.of(DType.INT64, new long[] {}, longBytes(n)));
    return DictValue.of(m);
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static byte[] write(List<PtValue> records, String archive) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PtWriter w = new PtWriter(Channels.newChannel(bytes), archive)) {
      for (PtValue r : records) {
        w.append(r);
      }
    }
    return bytes.toByteArray();
  }

  /** A chunk of these records, written as the split writes one (planned first). */
  static void write(List<PtValue> records, Path file) throws IOException {
    try (PtWriter w = PtWriter.create(file)) {
      for (PtValue r : records) {
        w.plan(r);
      }
      for (PtValue r : records) {
        w.append(r);
      }
    }
  }

  static PtFile open(byte[] bytes, String name) throws IOException {
    return PtFile.open(new ByteArrayChannel(bytes), name);
  }

  /** A read-only in-memory channel. */
  static final class ByteArrayChannel implements SeekableByteChannel {
    private final byte[] data;
    private long pos;

    ByteArrayChannel(byte[] data) {
      this.data = data;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (pos >= data.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), data.length - pos);
      dst.put(data, (int) pos, n);
      pos += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return pos;
    }

    @Override
    public SeekableByteChannel position(long p) {
      pos = p;
      return this;
    }

    @Override
    public long size() {
      return data.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
