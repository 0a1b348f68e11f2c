package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.util.List;

/**
 * numpy arrays and scalars as numpy pickles them, read as data: dtype code, byte order, shape,
 * memory order and raw bytes. numpy's reconstructors are never run; only numeric dtypes that a
 * tensor can hold are accepted.
 */
final class Numpy {
  private Numpy() {}

  /** {@code numpy.dtype('f4', False, True)} followed by BUILD with its byte order. */
  static final class Dtype implements Globals.Buildable {
    final String code;
    final DType dtype;
    char byteOrder;

    Dtype(String code, DType dtype) {
      this.code = code;
      this.dtype = dtype;
      this.byteOrder = dtype.itemSize() == 1 ? '|' : '<';
    }

    @Override
    public PtValue result() {
      return null;
    }

    @Override
    public void build(Object state, Unpickler u) {
      List<Object> s = u.argList(state);
      if (s.size() < 8) {
        throw u.error("numpy dtype state has " + s.size() + " items, expected 8 or 9");
      }
      if (!Globals.isNone(s.get(3)) || !Globals.isNone(s.get(4))) {
        throw u.error("structured numpy dtypes (with fields) are not supported");
      }
      if (!(s.get(1) instanceof StrValue bo) || bo.value().length() != 1) {
        throw u.error("numpy dtype byte order must be one character");
      }
      char c = bo.value().charAt(0);
      switch (c) {
        case '<', '=' -> byteOrder = dtype.itemSize() == 1 ? '|' : '<';
        case '>' -> byteOrder = dtype.itemSize() == 1 ? '|' : '>';
        case '|' -> byteOrder = '|';
        default -> throw u.error("numpy dtype byte order '" + c + "' is not one of < > = |");
      }
    }

    String str() {
      return byteOrder + code;
    }

    @Override
    public String describe() {
      return "numpy dtype " + str();
    }
  }

  /** {@code _reconstruct(numpy.ndarray, (0,), b'b')} followed by BUILD with the array state. */
  static final class Array implements Globals.Buildable {
    private NdArrayValue built;

    @Override
    public PtValue result() {
      return built;
    }

    @Override
    public void build(Object state, Unpickler u) {
      if (built != null) {
        throw u.error("numpy array built twice");
      }
      List<Object> s = u.argList(state);
      if (s.size() == 5) {
        s = s.subList(1, 5); // leading pickle-format version
      }
      if (s.size() != 4) {
        throw u.error("numpy array state has " + s.size() + " items, expected 4 or 5");
      }
      long[] shape = Globals.longs(s.get(0), u, "numpy shape");
      Dtype dt = dtypeArg(s.get(1), u);
      boolean fortran = Globals.bool(s.get(2), u, "numpy is_fortran");
      built = array(dt, shape, fortran, false, dataArg(s.get(3), u), u);
    }

    @Override
    public String describe() {
      return "numpy array";
    }
  }

  static Object reconstruct(List<Object> a, Unpickler u, String fn) {
    Globals.arity(a, 3, 3, u, fn);
    if (!(a.get(0) instanceof Globals.Marker m) || !m.qualifiedName().equals(Globals.NDARRAY)) {
      throw u.error(fn + " may only rebuild numpy.ndarray, found " + Unpickler.describe(a.get(0)));
    }
    return new Array();
  }

  static Object dtype(List<Object> a, Unpickler u, String fn) {
    Globals.arity(a, 1, 3, u, fn);
    if (!(a.get(0) instanceof StrValue code)) {
      throw u.error(fn + " expects a type code, found a " + Unpickler.describe(a.get(0)));
    }
    String c = code.value();
    DType t =
        DType.fromNumpyCode(c)
            .orElseThrow(
                () ->
                    u.error(
                        "numpy dtype '"
                            + c
                            + "' is not a numeric type a tensor can hold"
                            + " (bool, ints, floats, complex)"));
    return new Dtype(c, t);
  }

  static Object scalar(List<Object> a, Unpickler u, String fn) {
    Globals.arity(a, 2, 2, u, fn);
    Dtype dt = dtypeArg(a.get(0), u);
    return array(dt, new long[0], false, true, dataArg(a.get(1), u), u);
  }

  static Object fromBuffer(List<Object> a, Unpickler u, String fn) {
    Globals.arity(a, 4, 4, u, fn);
    byte[] data = dataArg(a.get(0), u);
    Dtype dt = dtypeArg(a.get(1), u);
    long[] shape = Globals.longs(a.get(2), u, "numpy shape");
    if (!(a.get(3) instanceof StrValue order)
        || !(order.value().equals("C") || order.value().equals("F"))) {
      throw u.error(fn + " expects order 'C' or 'F'");
    }
    return array(dt, shape, order.value().equals("F"), false, data, u);
  }

  private static Dtype dtypeArg(Object o, Unpickler u) {
    if (o instanceof Dtype d) {
      return d;
    }
    throw u.error("expected a numpy dtype, found a " + Unpickler.describe(o));
  }

  private static byte[] dataArg(Object o, Unpickler u) {
    if (o instanceof BytesValue b) {
      return b.dataUnsafe();
    }
    if (o instanceof BoolValue) {
      throw u.error("expected numpy array bytes, found a bool");
    }
    throw u.error(
        "expected numpy array bytes, found a "
            + Unpickler.describe(o)
            + " (object arrays are not supported)");
  }

  private static NdArrayValue array(
      Dtype dt, long[] shape, boolean fortran, boolean scalar, byte[] data, Unpickler u) {
    long expected;
    try {
      expected = Math.multiplyExact(Shapes.numel(shape), dt.dtype.itemSize());
    } catch (ArithmeticException e) {
      throw u.error("numpy shape overflows 64-bit arithmetic");
    }
    if (expected != data.length) {
      throw u.error(
          "numpy "
              + dt.str()
              + " array needs "
              + expected
              + " bytes for its shape, found "
              + data.length);
    }
    return new NdArrayValue(dt.dtype, dt.str(), shape, fortran, scalar, data);
  }
}
