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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares two {@link PtValue} trees field by field, without printing either: Java class, every
 * scalar's exact bits (NaN payloads, -0.0, an int's value and its two's-complement bytes), strings
 * as their UTF-8 bytes, container kind and order (dict key order included), tensor dtype, shape,
 * strides, storage offset, flags, and the whole storage each tensor views (key, dtype, length,
 * every byte), numpy arrays' raw bytes, and which values are one shared object. A printer such as
 * {@link PtJson} shows only what it prints; this is what round-trip tests compare with.
 */
final class PtValueAssert {
  private final Map<Object, Object> expectedToActual = new IdentityHashMap<>();
  private final Map<Object, Object> actualToExpected = new IdentityHashMap<>();

  private PtValueAssert() {}

  /** Fails, naming the path of the first difference, unless the trees are the same values. */
  static void assertSameValue(PtValue expected, PtValue actual, String what) {
    new PtValueAssert().value(expected, actual, what);
  }

  private void value(PtValue e, PtValue a, String at) {
    if (e == null || a == null) {
      check(e == a, at, "null", e, a);
      return;
    }
    check(e.getClass() == a.getClass(), at, "type", e.typeName(), a.typeName());
    boolean shareable =
        e instanceof PtValue.Container || e instanceof TensorValue || e instanceof NdArrayValue;
    if (shareable && !firstMeeting(e, a, at)) {
      return;
    }
    if (e instanceof NoneValue) {
      check(a == NoneValue.NONE, at, "None", e, a);
    } else if (e instanceof BoolValue b) {
      check(b.value() == ((BoolValue) a).value(), at, "bool", e, a);
    } else if (e instanceof IntValue i) {
      IntValue j = (IntValue) a;
      check(Arrays.equals(i.value().toByteArray(), j.value().toByteArray()), at, "int", i, j);
    } else if (e instanceof FloatValue f) {
      bits(f.value(), ((FloatValue) a).value(), at);
    } else if (e instanceof ComplexValue c) {
      bits(c.real(), ((ComplexValue) a).real(), at + ".real");
      bits(c.imag(), ((ComplexValue) a).imag(), at + ".imag");
    } else if (e instanceof StrValue s) {
      check(Arrays.equals(s.utf8Unsafe(), ((StrValue) a).utf8Unsafe()), at, "str utf-8", e, a);
    } else if (e instanceof BytesValue b) {
      BytesValue c = (BytesValue) a;
      check(b.mutable() == c.mutable(), at, "bytearray", b.mutable(), c.mutable());
      check(Arrays.equals(b.dataUnsafe(), c.dataUnsafe()), at, "bytes", b.length(), c.length());
    } else if (e instanceof ListValue l) {
      items(l.items(), ((ListValue) a).items(), at);
    } else if (e instanceof TupleValue t) {
      TupleValue u = (TupleValue) a;
      check(t.isTorchSize() == u.isTorchSize(), at, "torch.Size", t.typeName(), u.typeName());
      items(t.items(), u.items(), at);
    } else if (e instanceof SetValue s) {
      items(s.items(), ((SetValue) a).items(), at);
    } else if (e instanceof DictValue d) {
      dict(d, (DictValue) a, at);
    } else if (e instanceof TensorValue t) {
      tensor(t, (TensorValue) a, at);
    } else if (e instanceof NdArrayValue n) {
      ndarray(n, (NdArrayValue) a, at);
    } else {
      throw new AssertionError(at + ": no comparison for " + e.getClass());
    }
  }

  /**
   * True the first time this pair is met; after that the pair must be the same pairing again, so a
   * value shared on one side is shared the same way on the other.
   */
  private boolean firstMeeting(Object e, Object a, String at) {
    Object mine = expectedToActual.get(e);
    Object theirs = actualToExpected.get(a);
    if (mine == null && theirs == null) {
      expectedToActual.put(e, a);
      actualToExpected.put(a, e);
      return true;
    }
    check(mine == a && theirs == e, at, "sharing", mine == null ? "new" : "shared", theirs);
    return false;
  }

  private void bits(double e, double a, String at) {
    long x = Double.doubleToRawLongBits(e);
    long y = Double.doubleToRawLongBits(a);
    check(x == y, at, "float bits", Long.toHexString(x), Long.toHexString(y));
  }

  private void items(List<PtValue> e, List<PtValue> a, String at) {
    check(e.size() == a.size(), at, "length", e.size(), a.size());
    for (int i = 0; i < e.size(); i++) {
      value(e.get(i), a.get(i), at + "[" + i + "]");
    }
  }

  private void dict(DictValue e, DictValue a, String at) {
    check(e.kind() == a.kind(), at, "dict kind", e.kind(), a.kind());
    check(e.size() == a.size(), at, "dict size", e.size(), a.size());
    for (int i = 0; i < e.size(); i++) {
      value(e.keyAt(i), a.keyAt(i), at + ".key#" + i);
      value(e.valueAt(i), a.valueAt(i), at + "{" + e.keyAt(i) + "}");
    }
  }

  private void tensor(TensorValue e, TensorValue a, String at) {
    check(e.dtype() == a.dtype(), at, "dtype", e.dtype(), a.dtype());
    longs(e.shapeUnsafe(), a.shapeUnsafe(), at, "shape");
    longs(e.strideUnsafe(), a.strideUnsafe(), at, "stride");
    check(
        e.storageOffset() == a.storageOffset(), at, "offset", e.storageOffset(), a.storageOffset());
    check(e.requiresGrad() == a.requiresGrad(), at, "requires_grad", e, a);
    check(e.isParameter() == a.isParameter(), at, "parameter", e, a);
    StorageRef s = e.storage();
    StorageRef t = a.storage();
    if (firstMeeting(s, t, at + ".storage")) {
      // An in-memory storage is rebuilt under the key every in-memory storage has.
      check(s.key().equals(t.key()), at, "storage key", s.key(), t.key());
      check(s.dtype() == t.dtype(), at, "storage dtype", s.dtype(), t.dtype());
      check(s.byteLength() == t.byteLength(), at, "storage bytes", s.byteLength(), t.byteLength());
      byte[] x = readAll(s);
      byte[] y = readAll(t);
      int first = Arrays.mismatch(x, y);
      check(first < 0, at, "storage byte " + first, s.key(), t.key());
    }
  }

  private void ndarray(NdArrayValue e, NdArrayValue a, String at) {
    check(e.dtype() == a.dtype(), at, "dtype", e.dtype(), a.dtype());
    check(e.numpyDtype().equals(a.numpyDtype()), at, "numpy dtype", e.numpyDtype(), a);
    longs(e.shape(), a.shape(), at, "shape");
    check(e.fortranOrder() == a.fortranOrder(), at, "fortran order", e, a);
    check(e.isScalar() == a.isScalar(), at, "scalar", e, a);
    check(Arrays.equals(e.rawUnsafe(), a.rawUnsafe()), at, "raw bytes", e, a);
  }

  private static void longs(long[] e, long[] a, String at, String what) {
    check(Arrays.equals(e, a), at, what, Arrays.toString(e), Arrays.toString(a));
  }

  private static byte[] readAll(StorageRef s) {
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(s.byteLength()));
    try {
      s.read(0, b);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return b.array();
  }

  private static void check(boolean same, String at, String what, Object e, Object a) {
    if (!same) {
      throw new AssertionError(at + ": " + what + " differs: " + e + " vs " + a);
    }
  }
}
