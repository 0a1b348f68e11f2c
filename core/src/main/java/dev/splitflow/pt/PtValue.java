package dev.splitflow.pt;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A value read from, or to be written into, a .pt file: the Python values a record may hold.
 *
 * <p>Values are immutable once a reader hands them out. Containers that the file shares (one Python
 * object referenced twice) are shared here too and never copied, so a file cannot make the reader
 * expand a small pickle into a huge tree.
 */
public sealed interface PtValue
    permits PtValue.NoneValue,
        PtValue.BoolValue,
        PtValue.IntValue,
        PtValue.FloatValue,
        PtValue.ComplexValue,
        PtValue.StrValue,
        PtValue.BytesValue,
        PtValue.Container,
        TensorValue,
        NdArrayValue {

  /** Python's type name, for error messages. */
  String typeName();

  /** {@code None}. */
  enum NoneValue implements PtValue {
    NONE;

    @Override
    public String typeName() {
      return "NoneType";
    }
  }

  /** {@code True} or {@code False}. */
  record BoolValue(boolean value) implements PtValue {
    public static final BoolValue TRUE = new BoolValue(true);
    public static final BoolValue FALSE = new BoolValue(false);

    public static BoolValue of(boolean b) {
      return b ? TRUE : FALSE;
    }

    @Override
    public String typeName() {
      return "bool";
    }
  }

  /** A Python {@code int} of any size. */
  record IntValue(BigInteger value) implements PtValue {
    public IntValue {
      Objects.requireNonNull(value);
    }

    public static IntValue of(long v) {
      return v >= SmallInts.LOW && v <= SmallInts.HIGH
          ? SmallInts.CACHE[(int) (v - SmallInts.LOW)]
          : new IntValue(BigInteger.valueOf(v));
    }

    @Override
    public String typeName() {
      return "int";
    }
  }

  /** A Python {@code float}; equality is on the exact bits, so NaN payloads and -0.0 count. */
  record FloatValue(double value) implements PtValue {
    @Override
    public boolean equals(Object o) {
      return o instanceof FloatValue f
          && Double.doubleToRawLongBits(f.value) == Double.doubleToRawLongBits(value);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(Double.doubleToRawLongBits(value));
    }

    @Override
    public String typeName() {
      return "float";
    }
  }

  /** A Python {@code complex}. */
  record ComplexValue(double real, double imag) implements PtValue {
    @Override
    public String typeName() {
      return "complex";
    }
  }

  /**
   * A Python {@code str}, kept as the UTF-8 bytes Python wrote (with lone surrogates encoded as
   * Python's {@code surrogatepass} does), so every string round-trips exactly.
   */
  final class StrValue implements PtValue {
    private final byte[] utf8;
    private String decoded;
    private Values.Key key;

    StrValue(byte[] utf8) {
      this.utf8 = utf8;
    }

    public static StrValue of(String s) {
      return new StrValue(Utf8.encodeSurrogatePass(s));
    }

    /** The string; lone surrogates become lone UTF-16 surrogates. */
    public String value() {
      String s = decoded;
      if (s == null) {
        s = Utf8.decodeSurrogatePass(utf8);
        decoded = s;
      }
      return s;
    }

    public byte[] utf8() {
      return utf8.clone();
    }

    int utf8Length() {
      return utf8.length;
    }

    /** Its dict key, hashed once however many keys and tuples share the string. */
    Values.Key key() {
      Values.Key k = key;
      if (k == null) {
        k = Values.Key.ofBytes(Values.Key.STR, utf8);
        key = k;
      }
      return k;
    }

    byte[] utf8Unsafe() {
      return utf8;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StrValue s && Arrays.equals(s.utf8, utf8);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(utf8);
    }

    @Override
    public String toString() {
      return "StrValue[" + value() + "]";
    }

    @Override
    public String typeName() {
      return "str";
    }
  }

  /** A Python {@code bytes}, or a {@code bytearray} when {@code mutable}. */
  final class BytesValue implements PtValue {
    private final byte[] data;
    private final boolean mutable;
    private Values.Key key;

    public BytesValue(byte[] data, boolean mutable) {
      this.data = data.clone();
      this.mutable = mutable;
    }

    public byte[] data() {
      return data.clone();
    }

    byte[] dataUnsafe() {
      return data;
    }

    public int length() {
      return data.length;
    }

    /** Its dict key (bytes only; a bytearray is unhashable), hashed once. */
    Values.Key key() {
      Values.Key k = key;
      if (k == null) {
        k = Values.Key.ofBytes(Values.Key.BYTES, data);
        key = k;
      }
      return k;
    }

    /** True for {@code bytearray}. */
    public boolean mutable() {
      return mutable;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BytesValue b && b.mutable == mutable && Arrays.equals(b.data, data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data) * 31 + (mutable ? 1 : 0);
    }

    @Override
    public String typeName() {
      return mutable ? "bytearray" : "bytes";
    }
  }

  /** Shared parts of the container values. */
  abstract sealed class Container implements PtValue
      permits ListValue, TupleValue, DictValue, SetValue {
    /** Number of values in this tree with shared references expanded; saturates at Long.MAX. */
    long expandedNodes = -1;

    /**
     * Inline payload bytes (see {@link Values#inlineBytes}) in this tree with shared references
     * expanded, set with {@link #expandedNodes}; saturates at Long.MAX.
     */
    long expandedInlineBytes = -1;

    /** Set while {@link Values#seal} is inside this container, to find cycles. */
    boolean sealing;

    /**
     * Nesting depth as known when items were added (1 for an empty container): exact for tuples,
     * which never change, a lower bound for containers filled after being nested. Checked on every
     * add, so no recursive step (hashing, equality, printing) ever meets a deeper tuple; {@link
     * Values#seal} checks the exact depth of everything else without recursion.
     */
    int depth = 1;

    /** Notes that {@code child} is now an item; refuses nesting deeper than the limit. */
    final void nest(PtValue child) {
      if (child instanceof Container c && c.depth >= depth) {
        if (c.depth >= Values.MAX_DEPTH) {
          throw new Values.ShapeException(
              "values nested deeper than " + Values.MAX_DEPTH + " levels");
        }
        depth = c.depth + 1;
      }
    }

    /** How many values printing this container would visit (shared references expanded). */
    public long expandedNodes() {
      return expandedNodes;
    }
  }

  /** A Python {@code list}. */
  final class ListValue extends Container {
    private final List<PtValue> items;

    ListValue(List<PtValue> mutableItems) {
      this.items = mutableItems;
      for (PtValue v : mutableItems) {
        nest(v);
      }
    }

    void add(PtValue v) {
      nest(v);
      items.add(v);
    }

    public static ListValue of(List<? extends PtValue> items) {
      ListValue l = new ListValue(new ArrayList<>(items));
      Values.seal(l);
      return l;
    }

    public List<PtValue> items() {
      return Collections.unmodifiableList(items);
    }

    List<PtValue> mutableItems() {
      return items;
    }

    @Override
    public String typeName() {
      return "list";
    }
  }

  /** A Python {@code tuple}, or a {@code torch.Size} (a tuple subclass torch keeps distinct). */
  final class TupleValue extends Container {
    private final List<PtValue> items;
    private final boolean torchSize;

    private Values.Key key;

    TupleValue(List<PtValue> items, boolean torchSize) {
      this.items = items;
      this.torchSize = torchSize;
      for (PtValue v : items) {
        nest(v);
      }
    }

    /**
     * Its dict key, made from its items' keys once: recursion is bounded by {@link #depth}, checked
     * when the tuple was made, and a tuple shared many times is hashed once.
     */
    Values.Key key() {
      Values.Key k = key;
      if (k == null) {
        Values.Key[] keys = new Values.Key[items.size()];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = Values.hashKey(items.get(i));
        }
        k = Values.Key.tuple(keys);
        key = k;
      }
      return k;
    }

    public static TupleValue of(List<? extends PtValue> items) {
      return of(items, false);
    }

    public static TupleValue of(List<? extends PtValue> items, boolean torchSize) {
      TupleValue t = new TupleValue(List.copyOf(items), torchSize);
      Values.seal(t);
      return t;
    }

    public List<PtValue> items() {
      return Collections.unmodifiableList(items);
    }

    /** True for a {@code torch.Size}. */
    public boolean isTorchSize() {
      return torchSize;
    }

    @Override
    public String typeName() {
      return torchSize ? "torch.Size" : "tuple";
    }
  }

  /** A Python {@code dict}, {@code collections.OrderedDict} or {@code collections.Counter}. */
  final class DictValue extends Container {
    /** Which Python mapping type it is. */
    public enum Kind {
      DICT("dict"),
      ORDERED_DICT("OrderedDict"),
      COUNTER("Counter");

      private final String pythonName;

      Kind(String pythonName) {
        this.pythonName = pythonName;
      }

      public String pythonName() {
        return pythonName;
      }
    }

    private final Kind kind;
    private final DictKeys keys = new DictKeys();
    private final List<PtValue> values = new ArrayList<>();

    DictValue(Kind kind) {
      this.kind = kind;
    }

    /** A dict with the given entries in iteration order; a repeated key keeps its first place. */
    public static DictValue of(Kind kind, Map<? extends PtValue, ? extends PtValue> entries) {
      DictValue d = new DictValue(kind);
      entries.forEach(d::put);
      Values.seal(d);
      return d;
    }

    public static DictValue of(Map<String, ? extends PtValue> entries) {
      DictValue d = new DictValue(Kind.DICT);
      entries.forEach((k, v) -> d.put(StrValue.of(k), v));
      Values.seal(d);
      return d;
    }

    /** Python's assignment: a new key goes last, an existing key keeps its place. */
    void put(PtValue key, PtValue value) {
      Object hk = Values.hashKey(key);
      nest(key);
      nest(value);
      int at = keys.indexOf(hk);
      if (at < 0) {
        keys.add(hk, key);
        values.add(value);
      } else {
        values.set(at, value);
      }
    }

    public Kind kind() {
      return kind;
    }

    public int size() {
      return keys.size();
    }

    public List<PtValue> keys() {
      return Collections.unmodifiableList(keys.list());
    }

    /** The i-th key, without a read-only view per call. */
    PtValue keyAt(int i) {
      return keys.get(i);
    }

    PtValue valueAt(int i) {
      return values.get(i);
    }

    public List<PtValue> values() {
      return Collections.unmodifiableList(values);
    }

    /** The value under a string key, or null. */
    public PtValue get(String key) {
      return get(StrValue.of(key));
    }

    public PtValue get(PtValue key) {
      int at = keys.indexOf(Values.hashKey(key));
      return at < 0 ? null : values.get(at);
    }

    /** True when every key is a {@code str}. */
    public boolean hasOnlyStringKeys() {
      for (PtValue k : keys.list()) {
        if (!(k instanceof StrValue)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String typeName() {
      return kind.pythonName();
    }
  }

  /** A Python {@code set}, in the order the file lists its items. */
  final class SetValue extends Container {
    private final List<PtValue> items = new ArrayList<>();
    private final Map<Object, Integer> index = new HashMap<>();

    SetValue() {}

    public static SetValue of(List<? extends PtValue> items) {
      SetValue s = new SetValue();
      items.forEach(s::add);
      Values.seal(s);
      return s;
    }

    void add(PtValue item) {
      Object hk = Values.hashKey(item);
      nest(item);
      if (!index.containsKey(hk)) {
        index.put(hk, items.size());
        items.add(item);
      }
    }

    public List<PtValue> items() {
      return Collections.unmodifiableList(items);
    }

    @Override
    public String typeName() {
      return "set";
    }
  }
}
