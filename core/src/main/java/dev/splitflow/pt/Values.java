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
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
   * The object a Python dict would compare a key by: {@code 1}, {@code 1.0} and {@code True} are
   * one key; NaN equals only itself; strings and bytes compare by content; tensors by identity.
   */
  static Object hashKey(PtValue v) {
    if (v instanceof StrValue s) {
      return s;
    } else if (v instanceof IntValue i) {
      return i.value();
    } else if (v instanceof BoolValue b) {
      return b.value() ? BigInteger.ONE : BigInteger.ZERO;
    } else if (v instanceof FloatValue f) {
      double d = f.value();
      if (Double.isNaN(d)) {
        return new Object();
      }
      if (!Double.isInfinite(d) && d == Math.rint(d)) {
        return new BigDecimal(d).toBigIntegerExact();
      }
      return d;
    } else if (v instanceof ComplexValue c) {
      if (c.imag() == 0.0) {
        return hashKey(new FloatValue(c.real()));
      }
      return List.of("complex", c.real(), c.imag());
    } else if (v == NoneValue.NONE) {
      return NoneValue.NONE;
    } else if (v instanceof BytesValue b && !b.mutable()) {
      return ByteBuffer.wrap(b.dataUnsafe());
    } else if (v instanceof TupleValue t) {
      List<Object> keys = new ArrayList<>(t.items().size());
      for (PtValue item : t.items()) {
        keys.add(hashKey(item));
      }
      return keys;
    } else if (v instanceof TensorValue || v instanceof NdArrayValue) {
      return new IdentityKey(v);
    }
    throw new ShapeException("unhashable " + v.typeName() + " used as a dict key or set item");
  }

  private record IdentityKey(PtValue value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IdentityKey k && k.value == value;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(value);
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
          }
        } else {
          stack.pop();
          f.container.sealing = false;
          f.container.expandedNodes = f.total;
          if (!stack.isEmpty()) {
            Frame parent = stack.peek();
            parent.total = saturatingAdd(parent.total, f.total);
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

  private static long saturatingAdd(long a, long b) {
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
