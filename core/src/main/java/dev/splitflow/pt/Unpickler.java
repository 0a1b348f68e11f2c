package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
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
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle virtual machine for the data a .pt file may hold, and nothing else. It never runs code
 * or instantiates a class named by the file: globals are looked up in {@link Globals}, which maps
 * the allowlisted ones to Java constructors of plain values. It does not recurse, so nesting depth
 * costs no stack; shared (memoized) objects stay shared.
 */
final class Unpickler {

  /** Turns a persistent id (the tuple after BINPERSID) into the storage it names. */
  interface PersistentLoader {
    StorageRef load(List<Object> pid, String where);
  }

  /** A MARK on the stack. */
  private static final Object MARK = new Object();

  /** Payloads above this size are read in steps, so a lying length cannot allocate memory. */
  private static final int DIRECT_READ_LIMIT = 1 << 20;

  /** Python ints longer than this are refused: no real record holds one, and printing is slow. */
  private static final int MAX_LONG_BYTES = 64 * 1024;

  private final InputStream in;
  private final Source src;
  private final String where;
  private final long base;
  private final long limit;
  private final PersistentLoader persistent;
  private long pos;
  private long opStart;

  private final ArrayList<Object> stack = new ArrayList<>();
  private final ArrayList<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  /**
   * @param where the zip entry or region, for error messages
   * @param base file offset of the first byte of {@code in} (for error messages), or -1 for a
   *     compressed entry where only the offset inside the entry is known
   * @param limit number of bytes {@code in} holds, or -1 if unknown
   */
  Unpickler(
      InputStream in,
      Source src,
      String where,
      long base,
      long limit,
      PersistentLoader persistent) {
    this.in = in;
    this.src = src;
    this.where = where;
    this.base = base;
    this.limit = limit;
    this.persistent = persistent;
  }

  /** Bytes consumed so far. */
  long position() {
    return pos;
  }

  PtFormatException error(String problem) {
    String loc =
        base >= 0
            ? where + " at " + Source.at(base + opStart)
            : where + " at byte " + opStart + " of the uncompressed pickle";
    return src.error(loc, problem);
  }

  /** Runs one pickle to its STOP and returns its value. */
  Object load() throws IOException {
    stack.clear();
    marks.clear();
    memo.clear();
    while (true) {
      opStart = pos;
      int op = readByte("an opcode");
      switch (op) {
        case 0x80 -> { // PROTO
          int proto = readByte("the protocol number");
          if (proto < 2 || proto > 5) {
            throw error("expected pickle protocol 2 to 5, found protocol " + proto);
          }
        }
        case 0x95 -> readLong(8); // FRAME: only a read-ahead hint
        case '.' -> {
          if (stack.size() != 1 || !marks.isEmpty()) {
            throw error("STOP with " + stack.size() + " values on the stack, expected exactly 1");
          }
          return stack.get(0);
        }
        case '(' -> {
          marks.add(stack.size());
          stack.add(MARK);
        }
        case '0' -> pop();
        case '1' -> popMark();
        case '2' -> push(peek());
        case 'N' -> push(NoneValue.NONE);
        case 0x88 -> push(BoolValue.TRUE);
        case 0x89 -> push(BoolValue.FALSE);
        case 'J' -> push(IntValue.of((int) readLong(4)));
        case 'K' -> push(IntValue.of(readByte("an int")));
        case 'M' -> push(IntValue.of(readLong(2)));
        case 0x8a -> push(readLongInt(readByte("a long's length")));
        case 0x8b -> {
          long n = readSignedLength(4);
          if (n > MAX_LONG_BYTES) {
            throw error("int of " + n + " bytes is larger than the " + MAX_LONG_BYTES + " allowed");
          }
          push(readLongInt((int) n));
        }
        case 'G' -> push(new FloatValue(Double.longBitsToDouble(Long.reverseBytes(readLong(8)))));
        case 'X' -> push(str(readBytes(readSignedLength(4), "a string")));
        case 0x8c -> push(str(readBytes(readByte("a length"), "a string")));
        case 0x8d -> push(str(readBytes(readSignedLength(8), "a string")));
        case 'U' -> push(str(readBytes(readByte("a length"), "a string")));
        case 'T' -> push(str(readBytes(readSignedLength(4), "a string")));
        case 'C' -> push(new BytesValue(readBytes(readByte("a length"), "bytes"), false));
        case 'B' -> push(new BytesValue(readBytes(readSignedLength(4), "bytes"), false));
        case 0x8e -> push(new BytesValue(readBytes(readSignedLength(8), "bytes"), false));
        case 0x96 -> push(new BytesValue(readBytes(readSignedLength(8), "a bytearray"), true));
        case ']' -> push(new ListValue(new ArrayList<>()));
        case 'l' -> push(new ListValue(valuesOf(popMark())));
        case 'a' -> {
          PtValue v = value(pop());
          list(peek()).mutableItems().add(v);
        }
        case 'e' -> {
          List<Object> items = popMark();
          List<PtValue> target = list(peek()).mutableItems();
          for (Object o : items) {
            target.add(value(o));
          }
        }
        case ')' -> push(new TupleValue(List.of(), false));
        case 't' -> push(tuple(popMark()));
        case 0x85 -> push(tuple(popN(1)));
        case 0x86 -> push(tuple(popN(2)));
        case 0x87 -> push(tuple(popN(3)));
        case '}' -> push(new DictValue(DictValue.Kind.DICT));
        case 'd' -> {
          DictValue d = new DictValue(DictValue.Kind.DICT);
          setItems(d, popMark());
          push(d);
        }
        case 's' -> {
          List<Object> kv = popN(2);
          setItems(dict(peek()), kv);
        }
        case 'u' -> {
          List<Object> kv = popMark();
          setItems(dict(peek()), kv);
        }
        case 0x8f -> push(new SetValue());
        case 0x90 -> {
          List<Object> items = popMark();
          Object top = peek();
          if (!(top instanceof SetValue s)) {
            throw error("ADDITEMS on a " + describe(top) + ", expected a set");
          }
          for (Object o : items) {
            addToSet(s, value(o));
          }
        }
        case 'q' -> memo.put((long) readByte("a memo id"), peek());
        case 'r' -> memo.put(readLong(4) & 0xFFFFFFFFL, peek());
        case 0x94 -> memo.put((long) memo.size(), peek());
        case 'h' -> push(memoGet(readByte("a memo id")));
        case 'j' -> push(memoGet(readLong(4) & 0xFFFFFFFFL));
        case 'c' -> {
          String module = readLine();
          String name = readLine();
          push(resolveGlobal(module, name));
        }
        case 0x93 -> {
          List<Object> mn = popN(2);
          if (!(mn.get(0) instanceof StrValue m) || !(mn.get(1) instanceof StrValue n)) {
            throw error("STACK_GLOBAL expects two strings, found " + describe(mn.get(0)));
          }
          push(resolveGlobal(m.value(), n.value()));
        }
        case 'R' -> {
          Object args = pop();
          Object fn = pop();
          if (!(fn instanceof Globals.Global g)) {
            throw error("REDUCE on a " + describe(fn) + ", expected an allowlisted global");
          }
          push(g.call(argList(args), this));
        }
        case 'b' -> {
          Object state = pop();
          Object target = peek();
          if (target instanceof DictValue d
              && d.kind() == DictValue.Kind.ORDERED_DICT
              && state instanceof DictValue) {
            // A state_dict's `_metadata` attribute: an attribute of the object, not a mapping
            // entry, so it is not part of the value (torch.load keeps it; splitflow drops it).
            continue;
          }
          if (!(target instanceof Globals.Buildable b)) {
            throw error(
                "BUILD on a " + describe(target) + "; only numpy arrays and dtypes are built");
          }
          b.build(state, this);
        }
        case 'Q' -> {
          Object pid = pop();
          if (!(pid instanceof RawTuple t)) {
            throw error(
                "expected a persistent id tuple ('storage', <storage type>, key, location, numel),"
                    + " found a "
                    + describe(pid));
          }
          push(persistent.load(t.items(), where));
        }
        default ->
            throw error(
                "refused pickle opcode "
                    + Opcodes.describe(op)
                    + ": only the opcodes of tensor and container data are allowed");
      }
    }
  }

  // ---------------------------------------------------------------- values and stack

  /** A tuple holding something that is not a value (a global, a storage): pickle arguments. */
  record RawTuple(List<Object> items) {}

  private Object tuple(List<Object> items) {
    for (Object o : items) {
      boolean isValue =
          o instanceof PtValue || (o instanceof Globals.Buildable b && b.result() != null);
      if (!isValue) {
        return new RawTuple(items);
      }
    }
    return new TupleValue(valuesOf(items), false);
  }

  List<Object> argList(Object args) {
    if (args instanceof RawTuple t) {
      return t.items();
    }
    if (args instanceof TupleValue t) {
      return new ArrayList<>(t.items());
    }
    throw error("expected an argument tuple, found a " + describe(args));
  }

  /** The value an object on the stack stands for, or an error if it is not data. */
  PtValue value(Object o) {
    if (o instanceof Globals.Buildable b) {
      PtValue v = b.result();
      if (v != null) {
        return v;
      }
    }
    if (o instanceof PtValue v) {
      return v;
    }
    throw error("a " + describe(o) + " cannot be a value in a record");
  }

  private List<PtValue> valuesOf(List<Object> items) {
    List<PtValue> out = new ArrayList<>(items.size());
    for (Object o : items) {
      out.add(value(o));
    }
    return out;
  }

  private void setItems(DictValue d, List<Object> kv) {
    if (kv.size() % 2 != 0) {
      throw error("SETITEMS with an odd number (" + kv.size() + ") of keys and values");
    }
    for (int i = 0; i < kv.size(); i += 2) {
      try {
        d.put(value(kv.get(i)), value(kv.get(i + 1)));
      } catch (Values.ShapeException e) {
        throw error(e.getMessage());
      }
    }
  }

  void addToSet(SetValue s, PtValue v) {
    try {
      s.add(v);
    } catch (Values.ShapeException e) {
      throw error(e.getMessage());
    }
  }

  private ListValue list(Object o) {
    if (o instanceof ListValue l) {
      return l;
    }
    throw error("APPEND to a " + describe(o) + ", expected a list");
  }

  private DictValue dict(Object o) {
    if (o instanceof DictValue d) {
      return d;
    }
    throw error("SETITEM on a " + describe(o) + ", expected a dict");
  }

  static String describe(Object o) {
    if (o == MARK) {
      return "MARK";
    } else if (o instanceof PtValue v) {
      return v.typeName();
    } else if (o instanceof Globals.Global g) {
      return "global " + g.qualifiedName();
    } else if (o instanceof StorageRef s) {
      return "storage '" + s.key() + "'";
    } else if (o instanceof RawTuple) {
      return "tuple of pickle arguments";
    } else if (o instanceof Globals.Buildable b) {
      return b.describe();
    }
    return o == null ? "nothing" : o.getClass().getSimpleName();
  }

  private void push(Object o) {
    stack.add(o);
  }

  private Object peek() {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw error("expected a value on the stack, found " + (stack.isEmpty() ? "none" : "MARK"));
    }
    return stack.get(stack.size() - 1);
  }

  private Object pop() {
    Object o = peek();
    stack.remove(stack.size() - 1);
    return o;
  }

  private List<Object> popN(int n) {
    int from = stack.size() - n;
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1) + 1;
    if (from < floor) {
      throw error("expected " + n + " values on the stack, found " + (stack.size() - floor));
    }
    List<Object> items = new ArrayList<>(stack.subList(from, stack.size()));
    stack.subList(from, stack.size()).clear();
    return items;
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw error("expected a MARK on the stack, found none");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
    stack.subList(m, stack.size()).clear();
    return items;
  }

  private Object memoGet(long id) {
    Object o = memo.get(id);
    if (o == null) {
      throw error("memo id " + id + " was never stored");
    }
    return o;
  }

  private Globals.Global resolveGlobal(String module, String name) {
    Globals.Global g = Globals.lookup(module, name);
    if (g == null) {
      throw error(
          "refused global "
              + module
              + "."
              + name
              + ": only torch tensor, container and numpy array globals are allowed");
    }
    return g;
  }

  // ---------------------------------------------------------------- raw reads

  private int readByte(String what) throws IOException {
    int b = limit >= 0 && pos >= limit ? -1 : in.read();
    if (b < 0) {
      throw error("expected " + what + ", found the end of the pickle");
    }
    pos++;
    return b;
  }

  private long readLong(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (long) readByte("a " + n + "-byte argument") << (8 * i);
    }
    if (n < 8 && n > 2) {
      v = (v << (64 - 8 * n)) >> (64 - 8 * n); // BININT is signed
    }
    return v;
  }

  private long readSignedLength(int n) throws IOException {
    long len = n == 4 ? readLong(4) & 0xFFFFFFFFL : readLong(8);
    if (len < 0) {
      throw error("expected a length, found " + Long.toUnsignedString(len));
    }
    return len;
  }

  private IntValue readLongInt(int n) throws IOException {
    byte[] le = readBytes(n, "a long");
    if (n == 0) {
      return IntValue.of(0);
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    return new IntValue(new BigInteger(be));
  }

  private byte[] readBytes(long n, String what) throws IOException {
    if (limit >= 0 && n > limit - pos) {
      throw error(
          "expected "
              + n
              + " bytes of "
              + what
              + ", found only "
              + (limit - pos)
              + " left in the pickle");
    }
    if (n > Integer.MAX_VALUE - 16) {
      throw error("expected at most 2 GiB of " + what + ", found a length of " + n);
    }
    byte[] out;
    if (n <= DIRECT_READ_LIMIT) {
      out = in.readNBytes((int) n);
    } else {
      // A compressed pickle's length cannot be checked in advance: grow with what really arrives.
      ByteArrayOutputStream buf = new ByteArrayOutputStream(DIRECT_READ_LIMIT);
      byte[] step = new byte[DIRECT_READ_LIMIT];
      long left = n;
      while (left > 0) {
        int got = in.readNBytes(step, 0, (int) Math.min(step.length, left));
        if (got == 0) {
          break;
        }
        buf.write(step, 0, got);
        left -= got;
      }
      out = buf.toByteArray();
    }
    if (out.length != n) {
      throw error(
          "expected " + n + " bytes of " + what + ", found only " + out.length + " before the end");
    }
    pos += n;
    return out;
  }

  private StrValue str(byte[] utf8) {
    if (Utf8.decodeSurrogatePassOrNull(utf8) == null) {
      throw error("expected a UTF-8 string, found bytes that are not UTF-8");
    }
    return new StrValue(utf8);
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = readByte("the end of a GLOBAL name");
      if (b == '\n') {
        return sb.toString();
      }
      if (b < 0x20 || b > 0x7e || sb.length() > 256) {
        throw error("expected a printable GLOBAL name of at most 256 characters");
      }
      sb.append((char) b);
    }
  }
}
