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
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The allowlist: every global a .pt file may name, each mapped to a Java function that builds a
 * plain value from plain arguments. Anything not here is refused by name. Nothing is ever looked up
 * by reflection or instantiated because the file says so.
 */
final class Globals {
  private Globals() {}

  /** Tensors have at most this many dimensions (torch's own limit is lower). */
  static final int MAX_DIMS = 64;

  /** A global the pickle may push and call with REDUCE. */
  interface Global {
    String qualifiedName();

    Object call(List<Object> args, Unpickler u);
  }

  /** An object under construction that a BUILD opcode completes (numpy arrays and dtypes). */
  interface Buildable {
    /** The finished value, or null if this object is not (yet) a value. */
    PtValue result();

    void build(Object state, Unpickler u);

    String describe();
  }

  @FunctionalInterface
  private interface Fn {
    Object call(List<Object> args, Unpickler u, String name);
  }

  private record Callable(String qualifiedName, Fn fn) implements Global {
    @Override
    public Object call(List<Object> args, Unpickler u) {
      return fn.call(args, u, qualifiedName);
    }
  }

  /** A global that is only ever an argument (a storage type, a dtype, numpy.ndarray). */
  record Marker(String qualifiedName, DType dtype) implements Global {
    @Override
    public Object call(List<Object> args, Unpickler u) {
      throw u.error(qualifiedName + " cannot be called here");
    }
  }

  static final String UNTYPED_STORAGE = "torch.UntypedStorage";
  static final String NDARRAY = "numpy.ndarray";

  private static final Map<String, Global> ALLOWED = new HashMap<>();

  private static void fn(String name, Fn f) {
    ALLOWED.put(name, new Callable(name, f));
  }

  static {
    for (DType t : DType.values()) {
      t.storageClass().ifPresent(c -> ALLOWED.put("torch." + c, new Marker("torch." + c, t)));
      ALLOWED.put("torch." + t.torchName(), new Marker("torch." + t.torchName(), t));
    }
    for (String alias :
        List.of("half", "float", "double", "short", "int", "long", "cfloat", "cdouble", "chalf")) {
      ALLOWED.put("torch." + alias, new Marker("torch." + alias, DType.fromTorchName(alias).get()));
    }
    ALLOWED.put(UNTYPED_STORAGE, new Marker(UNTYPED_STORAGE, null));
    ALLOWED.put("torch.storage.UntypedStorage", new Marker(UNTYPED_STORAGE, null));
    ALLOWED.put(NDARRAY, new Marker(NDARRAY, null));

    fn("torch._utils._rebuild_tensor_v2", (a, u, n) -> Tensors.rebuild(a, u, n, false));
    fn("torch._utils._rebuild_tensor_v3", (a, u, n) -> Tensors.rebuild(a, u, n, true));
    fn("torch._utils._rebuild_parameter", Tensors::rebuildParameter);
    fn("torch._utils._rebuild_parameter_with_state", Tensors::rebuildParameter);
    fn(
        "torch.Size",
        (a, u, n) -> new TupleValue(List.copyOf(sequence(arg(a, 0, u, n), u, n)), true));
    fn("collections.OrderedDict", (a, u, n) -> mapping(DictValue.Kind.ORDERED_DICT, a, u, n));
    fn("collections.Counter", (a, u, n) -> mapping(DictValue.Kind.COUNTER, a, u, n));
    for (String b : List.of("builtins", "__builtin__")) {
      fn(b + ".set", Globals::set);
      fn(b + ".bytes", (a, u, n) -> bytes(a, u, n, false));
      fn(b + ".bytearray", (a, u, n) -> bytes(a, u, n, true));
      fn(b + ".complex", Globals::complex);
    }
    fn("_codecs.encode", (a, u, n) -> new BytesValue(latin1(a, u, n), false));
    for (String np : List.of("numpy.core", "numpy._core")) {
      fn(np + ".multiarray._reconstruct", Numpy::reconstruct);
      fn(np + ".multiarray.scalar", Numpy::scalar);
      fn(np + ".numeric._frombuffer", Numpy::fromBuffer);
    }
    fn("numpy.dtype", Numpy::dtype);
  }

  static Global lookup(String module, String name) {
    return ALLOWED.get(module + "." + name);
  }

  // ---------------------------------------------------------------- argument helpers

  static Object arg(List<Object> args, int i, Unpickler u, String fn) {
    if (i >= args.size()) {
      throw u.error(fn + " expects at least " + (i + 1) + " arguments, found " + args.size());
    }
    return args.get(i);
  }

  static void arity(List<Object> args, int min, int max, Unpickler u, String fn) {
    if (args.size() < min || args.size() > max) {
      throw u.error(
          fn
              + " expects "
              + (min == max ? String.valueOf(min) : min + " to " + max)
              + " arguments, found "
              + args.size());
    }
  }

  static long nonNegativeLong(Object o, Unpickler u, String what) {
    if (o instanceof IntValue i) {
      BigInteger v = i.value();
      if (v.signum() >= 0 && v.bitLength() <= 63) { // torch takes any int64
        return v.longValue();
      }
      throw u.error(
          "expected " + what + " to be a non-negative int below 2^63, found " + Echo.number(v));
    }
    throw u.error("expected " + what + " to be an int, found a " + Unpickler.describe(o));
  }

  static long[] longs(Object o, Unpickler u, String what) {
    List<PtValue> items;
    if (o instanceof TupleValue t) {
      items = t.items();
    } else if (o instanceof ListValue l) {
      items = l.mutableItems();
    } else {
      throw u.error(
          "expected " + what + " to be a tuple of ints, found a " + Unpickler.describe(o));
    }
    if (items.size() > MAX_DIMS) {
      throw u.error(
          "expected at most " + MAX_DIMS + " dimensions in " + what + ", found " + items.size());
    }
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = nonNegativeLong(items.get(i), u, what + "[" + i + "]");
    }
    return out;
  }

  static boolean bool(Object o, Unpickler u, String what) {
    if (o instanceof BoolValue b) {
      return b.value();
    }
    throw u.error("expected " + what + " to be a bool, found a " + Unpickler.describe(o));
  }

  private static List<PtValue> sequence(Object o, Unpickler u, String fn) {
    if (o instanceof TupleValue t) {
      return t.items();
    } else if (o instanceof ListValue l) {
      return l.mutableItems();
    }
    throw u.error(fn + " expects a list or tuple, found a " + Unpickler.describe(o));
  }

  private static DictValue mapping(DictValue.Kind kind, List<Object> a, Unpickler u, String n) {
    arity(a, 0, 1, u, n);
    DictValue d = new DictValue(kind);
    if (a.isEmpty()) {
      return d;
    }
    Object src = a.get(0);
    try {
      if (src instanceof DictValue from) {
        for (int i = 0; i < from.size(); i++) {
          d.put(from.keyAt(i), from.valueAt(i));
        }
      } else {
        for (PtValue pair : sequence(src, u, n)) {
          if (!(pair instanceof TupleValue t) || t.items().size() != 2) {
            throw u.error(n + " expects (key, value) pairs, found a " + pair.typeName());
          }
          d.put(t.items().get(0), t.items().get(1));
        }
      }
    } catch (Values.ShapeException e) {
      throw u.error(e.getMessage());
    }
    return d;
  }

  private static SetValue set(List<Object> a, Unpickler u, String n) {
    arity(a, 0, 1, u, n);
    SetValue s = new SetValue();
    if (!a.isEmpty()) {
      for (PtValue v : sequence(a.get(0), u, n)) {
        u.addToSet(s, v);
      }
    }
    return s;
  }

  private static BytesValue bytes(List<Object> a, Unpickler u, String n, boolean mutable) {
    arity(a, 0, 2, u, n);
    if (a.isEmpty()) {
      return new BytesValue(new byte[0], mutable);
    }
    if (a.size() == 1 && a.get(0) instanceof BytesValue b) {
      return new BytesValue(b.dataUnsafe(), mutable);
    }
    return new BytesValue(latin1(a, u, n), mutable);
  }

  /** {@code _codecs.encode(text, "latin1")}: how protocol 2 stores bytes. */
  private static byte[] latin1(List<Object> a, Unpickler u, String n) {
    arity(a, 2, 2, u, n);
    if (!(a.get(0) instanceof StrValue text) || !(a.get(1) instanceof StrValue enc)) {
      throw u.error(n + " expects (str, encoding), found a " + Unpickler.describe(a.get(0)));
    }
    String e = enc.value().toLowerCase(Locale.ROOT).replace('_', '-');
    if (!e.equals("latin1") && !e.equals("latin-1") && !e.equals("iso-8859-1")) {
      throw u.error(n + " expects the latin1 encoding, found '" + enc.value() + "'");
    }
    String s = text.value();
    byte[] out = new byte[s.length()];
    for (int i = 0; i < out.length; i++) {
      char c = s.charAt(i);
      if (c > 0xFF) {
        throw u.error(n + ": character U+" + Integer.toHexString(c) + " is not latin1");
      }
      out[i] = (byte) c;
    }
    return out;
  }

  private static ComplexValue complex(List<Object> a, Unpickler u, String n) {
    arity(a, 0, 2, u, n);
    double[] parts = new double[2];
    for (int i = 0; i < a.size(); i++) {
      Object o = a.get(i);
      if (o instanceof FloatValue f) {
        parts[i] = f.value();
      } else if (o instanceof IntValue iv) {
        parts[i] = iv.value().doubleValue();
      } else {
        throw u.error(n + " expects float parts, found a " + Unpickler.describe(o));
      }
    }
    return new ComplexValue(parts[0], parts[1]);
  }

  static boolean isNone(Object o) {
    return o == NoneValue.NONE;
  }
}
