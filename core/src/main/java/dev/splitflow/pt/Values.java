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
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/** Python semantics the value model needs: dict-key equality and graph checks. */
final class Values {
  /** Deeper than Python itself can pickle with its default recursion limit. */
  static final int MAX_DEPTH = 1000;

  private Values() {}

  /** A value's structure is unusable: a cycle, too deep, an unhashable key. */
  static final class ShapeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ShapeException(String message) {
      super(message);
    }
  }

  /**
   * The key a Python dict would compare a value by: {@code 1}, {@code 1.0} and {@code True} are one
   * key; NaN equals only itself; strings and bytes compare by content; tensors by identity. Each
   * key carries two independent keyed hashes ({@link SipHash}) of its content, so a file cannot
   * choose keys that collide. A tuple's key is made from its items' keys, not their content, and
   * cached, as are string and bytes keys: hashing a key costs the same whatever it shares.
   */
  static Key hashKey(PtValue v) {
    if (v instanceof StrValue s) {
      return s.key();
    } else if (v instanceof IntValue i) {
      return Key.ofBytes(Key.INT, i.value().toByteArray());
    } else if (v instanceof BoolValue b) {
      return Key.ofBytes(Key.INT, new byte[] {(byte) (b.value() ? 1 : 0)});
    } else if (v instanceof FloatValue f) {
      return floatKey(f, f.value());
    } else if (v instanceof ComplexValue c) {
      if (c.imag() == 0.0) {
        return floatKey(v, c.real());
      }
      return Key.ofBytes(
          Key.COMPLEX,
          ByteBuffer.allocate(16)
              .putDouble(c.real() == 0.0 ? 0.0 : c.real())
              .putDouble(c.imag())
              .array());
    } else if (v == NoneValue.NONE) {
      return Key.NONE_KEY;
    } else if (v instanceof BytesValue b && !b.mutable()) {
      return b.key();
    } else if (v instanceof TupleValue t) {
      return t.key();
    } else if (v instanceof TensorValue || v instanceof NdArrayValue) {
      return Key.identity(v);
    }
    throw new ShapeException("unhashable " + v.typeName() + " used as a dict key or set item");
  }

  private static Key floatKey(PtValue v, double d) {
    if (Double.isNaN(d)) {
      return Key.identity(v);
    }
    if (!Double.isInfinite(d) && d == Math.rint(d)) {
      return Key.ofBytes(Key.INT, new BigDecimal(d).toBigIntegerExact().toByteArray());
    }
    return Key.ofBytes(Key.FLOAT, ByteBuffer.allocate(8).putDouble(d).array());
  }

  /** A dict key: a kind, two keyed hashes, and what settles equality when the hashes agree. */
  static final class Key {
    static final byte NONE = 0;
    static final byte INT = 1;
    static final byte FLOAT = 2;
    static final byte COMPLEX = 3;
    static final byte STR = 4;
    static final byte BYTES = 5;
    static final byte TUPLE = 6;
    static final byte IDENTITY = 7;

    static final Key NONE_KEY = ofBytes(NONE, new byte[0]);

    private final byte kind;
    private final long h1;
    private final long h2;

    /**
     * byte[]: content compared exactly; PtValue: compared by identity; Key[]: a tuple's items,
     * compared one by one (only when an item compares by identity); null: the hashes decide (a
     * tuple of content keys, whose two 64-bit keyed hashes cannot be made to collide).
     */
    private final Object exact;

    private Key(byte kind, long h1, long h2, Object exact) {
      this.kind = kind;
      this.h1 = h1;
      this.h2 = h2;
      this.exact = exact;
    }

    static Key ofBytes(byte kind, byte[] content) {
      return new Key(
          kind,
          SipHash.hash(kind, content, 0, content.length),
          SipHash.hash2(kind, content, 0, content.length),
          content);
    }

    static Key identity(PtValue v) {
      return new Key(IDENTITY, System.identityHashCode(v), 0, v);
    }

    /** The key of a tuple of these item keys (a torch.Size is a tuple to a dict). */
    static Key tuple(Key[] items) {
      ByteBuffer b = ByteBuffer.allocate(items.length * 17);
      boolean byIdentity = false;
      for (Key k : items) {
        b.put(k.kind).putLong(k.h1).putLong(k.h2);
        byIdentity |= k.kind == IDENTITY || k.exact instanceof Key[];
      }
      byte[] a = b.array();
      return new Key(
          TUPLE,
          SipHash.hash(TUPLE, a, 0, a.length),
          SipHash.hash2(TUPLE, a, 0, a.length),
          byIdentity ? items : null);
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Key k) || k.kind != kind || k.h1 != h1 || k.h2 != h2) {
        return false;
      }
      if (exact instanceof byte[] b) {
        return k.exact instanceof byte[] kb && Arrays.equals(b, kb);
      }
      if (exact instanceof Key[] items) {
        return k.exact instanceof Key[] ki && Arrays.equals(items, ki);
      }
      return exact == k.exact;
    }

    @Override
    public int hashCode() {
      return (int) (h1 ^ (h1 >>> 32));
    }
  }

  static List<PtValue> children(Container c) {
    if (c instanceof ListValue l) {
      return l.mutableItems();
    } else if (c instanceof TupleValue t) {
      return t.items();
    } else if (c instanceof SetValue s) {
      return s.items();
    } else {
      DictValue d = (DictValue) c;
      List<PtValue> kv = new ArrayList<>(d.size() * 2);
      for (int i = 0; i < d.size(); i++) {
        kv.add(d.keyAt(i));
        kv.add(d.valueAt(i));
      }
      return kv;
    }
  }

  /**
   * Checks a value graph and records each container's expanded size, in time linear in the number
   * of distinct containers: refuses cycles and nesting deeper than {@link #MAX_DEPTH}. Shared
   * containers are visited once and never copied.
   */
  static void seal(PtValue root) {
    if (!(root instanceof Container rc) || rc.expandedNodes >= 0) {
      return;
    }
    // Runs once per record read or written: no set or child list is allocated per container.
    Deque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame(rc));
    rc.sealing = true;
    try {
      while (!stack.isEmpty()) {
        Frame f = stack.peek();
        if (f.next < f.count) {
          PtValue child = f.child(f.next++);
          if (child instanceof Container c) {
            if (c.expandedNodes >= 0) {
              f.total = saturatingAdd(f.total, c.expandedNodes);
              f.bytes = saturatingAdd(f.bytes, c.expandedInlineBytes);
            } else if (c.sealing) {
              throw new ShapeException("a " + c.typeName() + " contains itself (a cycle)");
            } else {
              if (stack.size() >= MAX_DEPTH) {
                throw new ShapeException("values nested deeper than " + MAX_DEPTH + " levels");
              }
              c.sealing = true;
              stack.push(new Frame(c));
            }
          } else {
            f.total = saturatingAdd(f.total, 1);
            f.bytes = saturatingAdd(f.bytes, inlineBytes(child));
          }
        } else {
          stack.pop();
          f.container.sealing = false;
          f.container.expandedNodes = f.total;
          f.container.expandedInlineBytes = f.bytes;
          if (!stack.isEmpty()) {
            Frame parent = stack.peek();
            parent.total = saturatingAdd(parent.total, f.total);
            parent.bytes = saturatingAdd(parent.bytes, f.bytes);
          }
        }
      }
    } finally {
      // After a refusal, the containers still on the path must not look mid-seal to a later call.
      for (Frame f : stack) {
        f.container.sealing = false;
      }
    }
  }

  /**
   * The payload bytes a value carries inline, which encoding or printing it copies each time a
   * record reaches it: a str's UTF-8, a bytes' or bytearray's content, a numpy array's data. Not a
   * tensor's storage, which records share by location and a chunk writes once.
   */
  static long inlineBytes(PtValue v) {
    if (v instanceof Container c) {
      return c.expandedInlineBytes;
    } else if (v instanceof StrValue s) {
      return s.utf8Length();
    } else if (v instanceof BytesValue b) {
      return b.length();
    } else if (v instanceof NdArrayValue a) {
      return a.rawUnsafe().length;
    }
    return 0;
  }

  static long saturatingAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  private static final class Frame {
    final Container container;
    final List<PtValue> items;
    final DictValue dict;
    final int count;
    int next;
    long total = 1;
    long bytes;

    Frame(Container c) {
      container = c;
      if (c instanceof DictValue d) {
        dict = d;
        items = null;
        count = 2 * d.size();
      } else {
        dict = null;
        items = children(c);
        count = items.size();
      }
    }

    /** Children in order; a dict's keys and values alternate. */
    PtValue child(int i) {
      if (dict != null) {
        return (i & 1) == 0 ? dict.keyAt(i >> 1) : dict.valueAt(i >> 1);
      }
      return items.get(i);
    }
  }
}
