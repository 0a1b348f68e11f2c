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
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A pickle virtual machine for the data a .pt file may hold, and nothing else. It never runs code
 * or instantiates a class named by the file: globals are looked up in {@link Globals}, which maps
 * the allowlisted ones to Java constructors of plain values. It does not recurse, so nesting depth
 * costs no stack; shared (memoized) objects stay shared.
 *
 * <p>{@link #stream} hands the items of a top-level list out as the pickle appends them instead of
 * keeping them, and keeps only the memo entries the pickle reads back ({@link
 * MemoPrescan#memoReads}), so a list of records costs the memory of one APPENDS batch, not of the
 * whole list. This class is the opcode dispatch and the building of containers; the reads, the
 * stack, the memo and the streamed items' counts live in {@link PickleInput}, {@link PickleStack},
 * {@link PickleMemo} and {@link StreamedItems}.
 */
final class Unpickler {

  /** Turns a persistent id (the tuple after BINPERSID) into the storage it names. */
  interface PersistentLoader {
    StorageRef load(List<Object> pid, String where);
  }

  private final PickleInput in;
  private final PersistentLoader persistent;
  private final PickleStack stack;
  private final PickleMemo memo;
  private final StreamedItems items;

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
    PtLimits.check();
    this.in = new PickleInput(in, src, where, base, limit);
    this.persistent = persistent;
    this.stack = new PickleStack(this.in);
    this.memo = new PickleMemo(this.in);
    this.items = new StreamedItems(this.in);
  }

  /** Bytes consumed so far. */
  long position() {
    return in.position();
  }

  PtFormatException error(String problem) {
    return in.error(problem);
  }

  /** Runs one pickle to its STOP and returns its value. */
  Object load() throws IOException {
    return run(null, null);
  }

  /**
   * Runs one pickle whose value is a list, handing each item to {@code items} when the pickle
   * appends it instead of adding it to the list, and returns the number of items.
   *
   * @param reads the memo ids the pickle reads back ({@link MemoPrescan#memoReads} of the same
   *     bytes): the only memo entries kept, so items handed out are not held by the memo
   */
  long stream(Set<Long> reads, StreamedItems.ItemSink items) throws IOException {
    if (reads.size() > PtLimits.MAX_MEMO) {
      throw error(
          "reads back more than "
              + PtLimits.MAX_MEMO
              + " memo entries"
              + PtLimits.raise("splitflow.pt.maxMemo", PtLimits.MAX_MEMO));
    }
    Object top = run(reads, items);
    if (!(top instanceof ListValue l)) {
      throw error("expected a list of records at the top level, found a " + describe(top));
    }
    // A list built in one LIST opcode (protocol 0 and 1) arrives whole.
    for (PtValue item : l.items()) {
      this.items.emit(item);
    }
    return this.items.streamed();
  }

  private Object run(Set<Long> reads, StreamedItems.ItemSink itemSink) throws IOException {
    stack.clear();
    memo.reset(reads);
    items.reset(itemSink);
    in.resetStringBytes();
    while (true) {
      in.startOp();
      int op = in.readByte("an opcode");
      Object top;
      try {
        top = step(op);
      } catch (Values.ShapeException e) {
        throw error(e.getMessage());
      }
      if (top != null) {
        return top;
      }
    }
  }

  /**
   * Runs one opcode; returns the pickle's value at STOP, else null. One case per opcode, so it
   * reads against the pickle spec; the longer ones call a method.
   */
  private Object step(int op) throws IOException {
    switch (op) {
      case Opcodes.PROTO -> {
        int proto = in.readByte("the protocol number");
        if (proto < 2 || proto > 5) {
          throw error("expected pickle protocol 2 to 5, found protocol " + proto);
        }
      }
      case Opcodes.FRAME -> in.readLong(8); // only a read-ahead hint
      case Opcodes.STOP -> {
        return stop();
      }
      case Opcodes.MARK -> stack.mark();
      case Opcodes.POP -> stack.pop();
      case Opcodes.POP_MARK -> stack.popMark();
      case Opcodes.DUP -> stack.push(stack.peek());
      case Opcodes.NONE -> push(NoneValue.NONE);
      case Opcodes.NEWTRUE -> push(BoolValue.TRUE);
      case Opcodes.NEWFALSE -> push(BoolValue.FALSE);
      case Opcodes.BININT -> push(IntValue.of((int) in.readLong(4)));
      case Opcodes.BININT1 -> push(IntValue.of(in.readByte("an int")));
      case Opcodes.BININT2 -> push(IntValue.of(in.readLong(2)));
      case Opcodes.LONG1 -> push(in.readLongInt(in.readByte("a long's length")));
      case Opcodes.LONG4 ->
          // torch's weights_only loader refuses LONG4 (ints of 2040 bits or more), and so does
          // PtWriter: what splitflow reads, it can write, and torch can load.
          throw error(
              "refused pickle opcode LONG4 (an int of 2040 bits or more): torch.load"
                  + " (weights_only) refuses it too");
      case Opcodes.BINFLOAT ->
          push(new FloatValue(Double.longBitsToDouble(Long.reverseBytes(in.readLong(8)))));
      case Opcodes.BINUNICODE -> push(in.readStr(in.readSignedLength(4)));
      case Opcodes.SHORT_BINUNICODE -> push(in.readStr(in.readByte("a length")));
      case Opcodes.BINUNICODE8 -> push(in.readStr(in.readSignedLength(8)));
      case Opcodes.SHORT_BINSTRING -> push(in.readStr(in.readByte("a length")));
      case Opcodes.BINSTRING -> push(in.readStr(in.readSignedLength(4)));
      case Opcodes.SHORT_BINBYTES -> push(bytes(in.readByte("a length"), "bytes", false));
      case Opcodes.BINBYTES -> push(bytes(in.readSignedLength(4), "bytes", false));
      case Opcodes.BINBYTES8 -> push(bytes(in.readSignedLength(8), "bytes", false));
      case Opcodes.BYTEARRAY8 -> push(bytes(in.readSignedLength(8), "a bytearray", true));
      case Opcodes.EMPTY_LIST -> push(new ListValue(new ArrayList<>()));
      case Opcodes.LIST -> push(new ListValue(valuesOf(stack.popMark())));
      case Opcodes.APPEND -> append(stack.pop());
      case Opcodes.APPENDS -> appends(stack.popMark());
      case Opcodes.EMPTY_TUPLE -> push(new TupleValue(List.of(), false));
      case Opcodes.TUPLE -> push(tuple(stack.popMark()));
      case Opcodes.TUPLE1 -> push(tuple(stack.popN(1)));
      case Opcodes.TUPLE2 -> push(tuple(stack.popN(2)));
      case Opcodes.TUPLE3 -> push(tuple(stack.popN(3)));
      case Opcodes.EMPTY_DICT -> push(new DictValue(DictValue.Kind.DICT));
      case Opcodes.DICT -> {
        DictValue d = new DictValue(DictValue.Kind.DICT);
        setItems(d, stack.popMark());
        push(d);
      }
      case Opcodes.SETITEM -> {
        List<Object> kv = stack.popN(2);
        setItems(dict(stack.peek()), kv);
      }
      case Opcodes.SETITEMS -> {
        List<Object> kv = stack.popMark();
        setItems(dict(stack.peek()), kv);
      }
      case Opcodes.EMPTY_SET -> push(new SetValue());
      case Opcodes.ADDITEMS -> addItems(stack.popMark());
      case Opcodes.BINPUT -> memoPut(in.readByte("a memo id"));
      case Opcodes.LONG_BINPUT -> memoPut(in.readLong(4) & 0xFFFFFFFFL);
      case Opcodes.MEMOIZE -> memoPut(memo.nextId());
      case Opcodes.BINGET -> stack.push(memoGet(in.readByte("a memo id")));
      case Opcodes.LONG_BINGET -> stack.push(memoGet(in.readLong(4) & 0xFFFFFFFFL));
      case Opcodes.GLOBAL -> {
        String module = in.readLine();
        String name = in.readLine();
        push(resolveGlobal(module, name));
      }
      case Opcodes.STACK_GLOBAL -> stackGlobal();
      case Opcodes.REDUCE -> reduce();
      case Opcodes.BUILD -> build();
      case Opcodes.BINPERSID -> persistentId();
      default ->
          throw error(
              "refused pickle opcode "
                  + Opcodes.describe(op)
                  + ": only the opcodes of tensor and container data are allowed");
    }
    return null;
  }

  private Object stop() {
    if (stack.size() != 1 || stack.hasMarks()) {
      throw error("STOP with " + stack.size() + " values on the stack, expected exactly 1");
    }
    if (items.streaming() && items.streamed() > 0 && stack.first() != stack.bottom()) {
      throw error("the list whose items were read is not the pickle's value");
    }
    return stack.first();
  }

  private BytesValue bytes(long n, String what, boolean mutable) throws IOException {
    return new BytesValue(in.readBytes(n, what), mutable);
  }

  // ---------------------------------------------------------------- containers

  private void append(Object item) throws IOException {
    PtValue v = value(item);
    count(1);
    if (streamsInto(stack.peek())) {
      items.emit(v);
    } else {
      list(stack.peek()).add(v);
    }
  }

  private void appends(List<Object> added) throws IOException {
    count(added.size());
    if (streamsInto(stack.peek())) {
      for (Object o : added) {
        items.emit(value(o));
      }
    } else {
      ListValue target = list(stack.peek());
      for (Object o : added) {
        target.add(value(o));
      }
    }
  }

  private void addItems(List<Object> added) {
    Object top = stack.peek();
    if (!(top instanceof SetValue s)) {
      throw error("ADDITEMS on a " + describe(top) + ", expected a set");
    }
    unsealed(s);
    for (Object o : added) {
      addToSet(s, value(o));
    }
  }

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

  /** Converts a list popped off the stack in place: it is a fresh list no one else holds. */
  @SuppressWarnings("unchecked")
  private List<PtValue> valuesOf(List<Object> items) {
    for (int i = 0; i < items.size(); i++) {
      items.set(i, value(items.get(i)));
    }
    return (List<PtValue>) (List<?>) items;
  }

  private void setItems(DictValue d, List<Object> kv) {
    count(kv.size());
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
      return unsealed(l);
    }
    throw error("APPEND to a " + describe(o) + ", expected a list");
  }

  private DictValue dict(Object o) {
    if (o instanceof DictValue d) {
      return unsealed(d);
    }
    throw error("SETITEM on a " + describe(o) + ", expected a dict");
  }

  /**
   * A container about to change. Only items already handed out while streaming are sealed; Python's
   * pickler finishes an object before it moves on, so only a crafted pickle changes one later, and
   * what was handed out would then differ from what torch.load returns.
   */
  private <C extends PtValue.Container> C unsealed(C c) {
    if (c.expandedNodes >= 0) {
      throw error("changes a " + c.typeName() + " inside a record that was already read");
    }
    return c;
  }

  static String describe(Object o) {
    if (o == PickleStack.MARK) {
      return "MARK";
    } else if (o instanceof PtValue v) {
      return v.typeName();
    } else if (o instanceof Globals.Global g) {
      return "global " + g.qualifiedName();
    } else if (o instanceof StorageRef s) {
      return "storage '" + Echo.cut(s.key()) + "'";
    } else if (o instanceof RawTuple) {
      return "tuple of pickle arguments";
    } else if (o instanceof Globals.Buildable b) {
      return b.describe();
    }
    return o == null ? "nothing" : o.getClass().getSimpleName();
  }

  /** Whether items appended to {@code target} are handed out instead: the top-level list's. */
  private boolean streamsInto(Object target) {
    return items.streaming() && target == stack.bottom() && stack.size() == 1;
  }

  /** Pushes a value just made. */
  private void push(Object o) {
    count(1);
    stack.push(o);
  }

  /** Counts {@code n} values made (or container items added) against the per-pickle limit. */
  private void count(long n) {
    items.count(n);
  }

  // ---------------------------------------------------------------- memo

  private void memoPut(long id) {
    Object top = stack.peek();
    if (memo.put(id, top) && !isLeaf(top)) {
      items.keptContainer();
    }
  }

  /** A value that holds no other value, so keeping it in the memo keeps nothing else. */
  private static boolean isLeaf(Object o) {
    return o instanceof PtValue && !(o instanceof PtValue.Container) || o instanceof Globals.Global;
  }

  private Object memoGet(long id) {
    Object o = memo.get(id);
    // Only a list at the bottom is streamed into; a state dict's bottom is its OrderedDict global,
    // which the pickle may name again, and stream() then says the root is not a list.
    if (items.streaming() && o == stack.bottom() && o instanceof ListValue) {
      throw error("the top-level list refers to itself");
    }
    return o;
  }

  // ---------------------------------------------------------------- globals, reduce, build

  private void stackGlobal() {
    List<Object> mn = stack.popN(2);
    if (!(mn.get(0) instanceof StrValue m) || !(mn.get(1) instanceof StrValue n)) {
      throw error("STACK_GLOBAL expects two strings, found " + describe(mn.get(0)));
    }
    push(resolveGlobal(m.value(), n.value()));
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

  private void reduce() {
    Object args = stack.pop();
    Object fn = stack.pop();
    if (!(fn instanceof Globals.Global g)) {
      throw error("REDUCE on a " + describe(fn) + ", expected an allowlisted global");
    }
    push(g.call(argList(args), this));
  }

  private void build() {
    Object state = stack.pop();
    Object target = stack.peek();
    if (target instanceof DictValue d
        && d.kind() == DictValue.Kind.ORDERED_DICT
        && state instanceof DictValue) {
      // A state_dict's `_metadata` attribute: an attribute of the object, not a mapping entry, so
      // it is not part of the value (torch.load keeps it; splitflow drops it).
      return;
    }
    if (!(target instanceof Globals.Buildable b)) {
      throw error("BUILD on a " + describe(target) + "; only numpy arrays and dtypes are built");
    }
    b.build(state, this);
  }

  private void persistentId() {
    Object pid = stack.pop();
    if (!(pid instanceof RawTuple t)) {
      throw error(
          "expected a persistent id tuple ('storage', <storage type>, key, location, numel),"
              + " found a "
              + describe(pid));
    }
    push(persistent.load(t.items(), in.where()));
  }
}
