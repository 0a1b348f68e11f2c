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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine for the data a .pt file may hold, and nothing else. It never runs code
 * or instantiates a class named by the file: globals are looked up in {@link Globals}, which maps
 * the allowlisted ones to Java constructors of plain values. It does not recurse, so nesting depth
 * costs no stack; shared (memoized) objects stay shared.
 *
 * <p>{@link #stream} hands the items of a top-level list out as the pickle appends them instead of
 * keeping them, and keeps only the memo entries the pickle reads back ({@link #memoReads}), so a
 * list of records costs the memory of one APPENDS batch, not of the whole list.
 */
final class Unpickler {

  /** Turns a persistent id (the tuple after BINPERSID) into the storage it names. */
  interface PersistentLoader {
    StorageRef load(List<Object> pid, String where);
  }

  /** Receives the items of the top-level list while streaming, in order. */
  interface ItemSink {
    void item(PtValue item) throws IOException;
  }

  /** A MARK on the stack. */
  private static final Object MARK = new Object();

  /** Payloads above this size are read in steps, so a lying length cannot allocate memory. */
  private static final int DIRECT_READ_LIMIT = 1 << 20;

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
  private final MemoIds defined = new MemoIds();

  /** Memo ids worth keeping (the ones the pickle reads back), or null for all. */
  private Set<Long> kept;

  /** Where the top-level list's items go when streaming, or null. */
  private ItemSink sink;

  /** The first value pushed on an empty stack: the top-level value of a well-formed pickle. */
  private Object bottom;

  private long streamed;

  /** Values made since the pickle started, or since the last item was handed out. */
  private long made;

  /**
   * Values made for items already handed out that the memo may still hold for later items: all of
   * an item's values once the memo keeps a container made for it (which later opcodes can reach),
   * since which of them the container reaches is not known without walking it. They count against
   * {@link PtLimits#MAX_VALUES} with each later item's own, so memory cannot grow item by item.
   */
  private long retained;

  /** Whether the memo kept a container since the last item was handed out. */
  private boolean keptContainer;

  /**
   * Values of the items handed out so far, each counted as often as items reach it (a list shared
   * by every record counts once per record): what reading, encoding or printing them one at a time
   * costs. At most the pickle's bytes so far plus {@link PtLimits#MAX_VALUES}.
   */
  private long expanded;

  /**
   * Inline payload bytes ({@link Values#inlineBytes}) of the items handed out so far, counted like
   * {@link #expanded}: at most the pickle's bytes so far plus {@link PtLimits#MAX_SHARED_BYTES}.
   */
  private long expandedBytes;

  private long stringBytes;

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
    return run(null, null);
  }

  /**
   * Runs one pickle whose value is a list, handing each item to {@code items} when the pickle
   * appends it instead of adding it to the list, and returns the number of items.
   *
   * @param reads the memo ids the pickle reads back ({@link #memoReads} of the same bytes): the
   *     only memo entries kept, so items handed out are not held by the memo
   */
  long stream(Set<Long> reads, ItemSink items) throws IOException {
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
      emit(item);
    }
    return streamed;
  }

  private Object run(Set<Long> reads, ItemSink itemSink) throws IOException {
    stack.clear();
    marks.clear();
    memo.clear();
    defined.clear();
    kept = reads;
    sink = itemSink;
    bottom = null;
    streamed = 0;
    made = 0;
    retained = 0;
    keptContainer = false;
    expanded = 0;
    expandedBytes = 0;
    stringBytes = 0;
    while (true) {
      opStart = pos;
      int op = readByte("an opcode");
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

  /** Runs one opcode; returns the pickle's value at STOP, else null. */
  private Object step(int op) throws IOException {
    {
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
          if (sink != null && streamed > 0 && stack.get(0) != bottom) {
            throw error("the list whose items were read is not the pickle's value");
          }
          return stack.get(0);
        }
        case '(' -> {
          marks.add(stack.size());
          pushShared(MARK);
        }
        case '0' -> pop();
        case '1' -> popMark();
        case '2' -> pushShared(peek());
        case 'N' -> push(NoneValue.NONE);
        case 0x88 -> push(BoolValue.TRUE);
        case 0x89 -> push(BoolValue.FALSE);
        case 'J' -> push(IntValue.of((int) readLong(4)));
        case 'K' -> push(IntValue.of(readByte("an int")));
        case 'M' -> push(IntValue.of(readLong(2)));
        case 0x8a -> push(readLongInt(readByte("a long's length")));
        case 0x8b ->
            // torch's weights_only loader refuses LONG4 (ints of 2040 bits or more), and so does
            // PtWriter: what splitflow reads, it can write, and torch can load.
            throw error(
                "refused pickle opcode LONG4 (an int of 2040 bits or more): torch.load"
                    + " (weights_only) refuses it too");
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
          count(1);
          if (streamsInto(peek())) {
            emit(v);
          } else {
            list(peek()).add(v);
          }
        }
        case 'e' -> {
          List<Object> items = popMark();
          count(items.size());
          if (streamsInto(peek())) {
            for (Object o : items) {
              emit(value(o));
            }
          } else {
            ListValue target = list(peek());
            for (Object o : items) {
              target.add(value(o));
            }
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
          unsealed(s);
          for (Object o : items) {
            addToSet(s, value(o));
          }
        }
        case 'q' -> memoPut(readByte("a memo id"));
        case 'r' -> memoPut(readLong(4) & 0xFFFFFFFFL);
        case 0x94 -> memoPut(defined.count());
        case 'h' -> pushShared(memoGet(readByte("a memo id")));
        case 'j' -> pushShared(memoGet(readLong(4) & 0xFFFFFFFFL));
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
            return null;
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
      return null;
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

  /** Whether items appended to {@code target} are handed out instead: the top-level list's. */
  private boolean streamsInto(Object target) {
    return sink != null && target == bottom && stack.size() == 1;
  }

  private void emit(PtValue item) throws IOException {
    try {
      Values.seal(item);
    } catch (Values.ShapeException e) {
      throw error(e.getMessage());
    }
    long nodes = item instanceof PtValue.Container c ? c.expandedNodes : 1;
    expanded = expanded + nodes < 0 ? Long.MAX_VALUE : expanded + nodes;
    if (expanded - pos > PtLimits.MAX_VALUES) {
      // Each value costs the pickle at least a byte unless something already read is reused:
      // beyond this, records reuse values of earlier records more than the file could hold.
      throw error(
          "record "
              + streamed
              + " brings the records read so far to "
              + (expanded == Long.MAX_VALUE ? "over 2^63" : expanded)
              + " values through values they share, more than the "
              + pos
              + " bytes of pickle read plus "
              + PtLimits.MAX_VALUES
              + "; each record would expand them again"
              + PtLimits.raise("splitflow.pt.maxValues", PtLimits.MAX_VALUES));
    }
    expandedBytes = Values.saturatingAdd(expandedBytes, Values.inlineBytes(item));
    if (expandedBytes - pos > PtLimits.MAX_SHARED_BYTES) {
      // A payload costs the pickle its bytes unless something already read is reused: beyond
      // this, records copy strings, bytes or arrays of earlier records more than the file held.
      throw error(
          "record "
              + streamed
              + " brings the records read so far to "
              + (expandedBytes == Long.MAX_VALUE ? "over 2^63" : expandedBytes)
              + " bytes of str, bytes and array data through values they share, more than the "
              + pos
              + " bytes of pickle read plus "
              + PtLimits.MAX_SHARED_BYTES
              + "; each record would copy them again"
              + PtLimits.raise("splitflow.pt.maxSharedBytes", PtLimits.MAX_SHARED_BYTES));
    }
    if (keptContainer) {
      retained += made;
      keptContainer = false;
    }
    streamed++;
    made = 0;
    sink.item(item);
  }

  static String describe(Object o) {
    if (o == MARK) {
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

  /** Pushes a value just made. */
  private void push(Object o) {
    count(1);
    pushShared(o);
  }

  /** Pushes a value already counted (a memo entry, a duplicate). */
  private void pushShared(Object o) {
    if (bottom == null && stack.isEmpty()) {
      bottom = o;
    }
    if (stack.size() >= PtLimits.MAX_STACK) {
      throw error(
          "more than "
              + PtLimits.MAX_STACK
              + " values on the pickle stack at once"
              + PtLimits.raise("splitflow.pt.maxStack", PtLimits.MAX_STACK));
    }
    stack.add(o);
  }

  /** Counts {@code n} values made (or container items added) against the per-pickle limit. */
  void count(long n) {
    made += n;
    if (made + retained > PtLimits.MAX_VALUES) {
      throw error(
          "more than "
              + PtLimits.MAX_VALUES
              + " values in one pickle"
              + (sink == null ? "" : retained == 0 ? " (between two records)" : keptAcross())
              + PtLimits.raise("splitflow.pt.maxValues", PtLimits.MAX_VALUES));
    }
  }

  private String keptAcross() {
    return " (between two records, with "
        + retained
        + " made for earlier records and kept in the memo for later ones)";
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
    return cut(from, from);
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw error("expected a MARK on the stack, found none");
    }
    int m = marks.remove(marks.size() - 1);
    return cut(m, m + 1);
  }

  /**
   * Returns the stack's items from {@code from}, then shortens it to {@code to}: one copy and one
   * list per call, since every container and tuple of every record goes through here.
   */
  private List<Object> cut(int to, int from) {
    int size = stack.size();
    List<Object> items = new ArrayList<>(size - from);
    for (int i = from; i < size; i++) {
      items.add(stack.get(i));
    }
    for (int i = size - 1; i >= to; i--) {
      stack.remove(i);
    }
    return items;
  }

  private void memoPut(long id) {
    Object top = peek();
    defined.add(id);
    if (defined.sparseCount() > PtLimits.MAX_MEMO) {
      throw error(
          "defines more than "
              + PtLimits.MAX_MEMO
              + " memo ids above 2^26"
              + PtLimits.raise("splitflow.pt.maxMemo", PtLimits.MAX_MEMO));
    }
    if (kept == null || kept.contains(id)) {
      if (sink != null && !isLeaf(top)) {
        keptContainer = true;
      }
      if (memo.size() >= PtLimits.MAX_MEMO && !memo.containsKey(id)) {
        throw error(
            "more than "
                + PtLimits.MAX_MEMO
                + " memo entries"
                + PtLimits.raise("splitflow.pt.maxMemo", PtLimits.MAX_MEMO));
      }
      memo.put(id, top);
    }
  }

  /** A value that holds no other value, so keeping it in the memo keeps nothing else. */
  private static boolean isLeaf(Object o) {
    return o instanceof PtValue && !(o instanceof PtValue.Container) || o instanceof Globals.Global;
  }

  private Object memoGet(long id) {
    Object o = memo.get(id);
    if (o == null) {
      throw error("memo id " + id + " was never stored");
    }
    // Only a list at the bottom is streamed into; a state dict's bottom is its OrderedDict global,
    // which the pickle may name again, and stream() then says the root is not a list.
    if (sink != null && o == bottom && o instanceof ListValue) {
      throw error("the top-level list refers to itself");
    }
    return o;
  }

  /**
   * Which memo ids a pickle defines, so MEMOIZE numbers entries as Python's {@code len(memo)} does
   * when only some entries are kept.
   */
  private static final class MemoIds {
    /** Ids are dense from 0 in real pickles; a bit set past this size would be a memory bomb. */
    private static final long DENSE = 1L << 26;

    private final BitSet dense = new BitSet();
    private final Set<Long> sparse = new HashSet<>();
    private long count;

    void add(long id) {
      if (id < DENSE) {
        if (!dense.get((int) id)) {
          dense.set((int) id);
          count++;
        }
      } else if (sparse.add(id)) {
        count++;
      }
    }

    long count() {
      return count;
    }

    long sparseCount() {
      return sparse.size();
    }

    void clear() {
      dense.clear();
      sparse.clear();
      count = 0;
    }
  }

  // ---------------------------------------------------------------- memo prescan

  /**
   * The memo ids a pickle reads back (GET, BINGET, LONG_BINGET), found by walking its opcodes
   * without building anything. Stops quietly at the end of the bytes, at STOP, or at an opcode
   * {@link #load} refuses: the run that follows reports those.
   *
   * @param limit the number of bytes {@code in} holds, or -1 if unknown
   */
  static Set<Long> memoReads(InputStream in, long limit) throws IOException {
    Set<Long> reads = new HashSet<>();
    Prescan p = new Prescan(in, limit);
    // The stack's size, followed as the run will follow it: past MAX_STACK the run refuses the
    // pickle at that point, so the walk stops there instead of inflating the rest of a bomb.
    long size = 0;
    ArrayDeque<Long> markAt = new ArrayDeque<>();
    while (true) {
      int op = p.u8();
      long effect = stackEffect(op);
      if (op == '(') {
        markAt.push(size);
      } else if (effect == TO_MARK) {
        size = markAt.isEmpty() ? 0 : markAt.pop();
        // POP_MARK leaves nothing, and APPENDS, SETITEMS and ADDITEMS change the value below the
        // MARK; LIST, DICT and TUPLE leave one new value. (Counting one for APPENDS too made the
        // walk stop at its stack limit after 100,000 batches, missing the later memo reads.)
        effect = op == '1' || op == 'e' || op == 'u' || op == 0x90 ? 0 : 1;
      }
      size = Math.max(0, size + effect);
      if (size > PtLimits.MAX_STACK) {
        return reads;
      }
      long skip;
      switch (op) {
        case -1, '.' -> {
          return reads;
        }
        case 'h' -> {
          int id = p.u8();
          if (id < 0) {
            return reads;
          }
          reads.add((long) id);
          if (reads.size() > PtLimits.MAX_MEMO) {
            return reads; // the run refuses the pickle
          }
          continue;
        }
        case 'j' -> {
          long id = p.le(4);
          if (id < 0) {
            return reads;
          }
          reads.add(id);
          if (reads.size() > PtLimits.MAX_MEMO) {
            return reads; // the run refuses the pickle
          }
          continue;
        }
        case 'c' -> {
          if (!p.line() || !p.line()) {
            return reads;
          }
          continue;
        }
        case '(',
            '0',
            '1',
            '2',
            'N',
            0x88,
            0x89,
            ']',
            'l',
            'a',
            'e',
            ')',
            't',
            0x85,
            0x86,
            0x87,
            '}',
            'd',
            's',
            'u',
            0x8f,
            0x90,
            0x94,
            0x93,
            'R',
            'b',
            'Q' ->
            skip = 0;
        case 0x80, 'K', 'q' -> skip = 1;
        case 'M' -> skip = 2;
        case 'J', 'r' -> skip = 4;
        case 0x95, 'G' -> skip = 8;
        case 0x8a, 0x8c, 'U', 'C' -> skip = p.u8();
        case 0x8b, 'X', 'T', 'B' -> skip = p.le(4);
        case 0x8d, 0x8e, 0x96 -> skip = p.le(8);
        default -> {
          return reads;
        }
      }
      // A string over the limit is refused by the run that follows: no need to inflate it here.
      if (skip < 0 || skip > PtLimits.MAX_STRING_BYTES || !p.skip(skip)) {
        return reads;
      }
    }
  }

  private static final long TO_MARK = Long.MIN_VALUE;

  /** How an opcode changes the stack's size, or TO_MARK for the ones that pop to a MARK. */
  private static long stackEffect(int op) {
    return switch (op) {
      case 'e', 'u', 't', 'l', 'd', 0x90, '1' -> TO_MARK;
      case '(',
          '2',
          'N',
          0x88,
          0x89,
          'J',
          'K',
          'M',
          0x8a,
          0x8b,
          'G',
          'X',
          0x8c,
          0x8d,
          'U',
          'T',
          'C',
          'B',
          0x8e,
          0x96,
          ']',
          ')',
          '}',
          0x8f,
          'h',
          'j',
          'c' ->
          1;
      case '0', 'a', 'R', 'b', 0x86, 0x93 -> -1;
      case 's', 0x87 -> -2;
      default -> 0; // PROTO, FRAME, STOP, TUPLE1, BINPERSID, memo puts
    };
  }

  /** Raw reads for {@link #memoReads}: -1 or false at the end of the bytes. */
  private static final class Prescan {
    private final InputStream in;
    private final long limit;
    private long pos;

    Prescan(InputStream in, long limit) {
      this.in = in;
      this.limit = limit;
    }

    int u8() throws IOException {
      if (limit >= 0 && pos >= limit) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        pos++;
      }
      return b;
    }

    /** An unsigned little-endian number of n bytes (n is 4 or 8), or -1 if cut short. */
    long le(int n) throws IOException {
      long v = 0;
      for (int i = 0; i < n; i++) {
        int b = u8();
        if (b < 0) {
          return -1;
        }
        v |= (long) b << (8 * i);
      }
      return v;
    }

    boolean skip(long n) throws IOException {
      if (limit >= 0 && n > limit - pos) {
        return false;
      }
      long left = n;
      while (left > 0) {
        long s = in.skip(left);
        if (s <= 0) {
          if (in.read() < 0) {
            return false;
          }
          s = 1;
        }
        left -= s;
      }
      pos += n;
      return true;
    }

    /** Skips a GLOBAL name's line; false if it is not one load would accept. */
    boolean line() throws IOException {
      for (int i = 0; i <= 257; i++) {
        int b = u8();
        if (b == '\n') {
          return true;
        }
        if (b < 0) {
          return false;
        }
      }
      return false;
    }
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
    int b = nextByte();
    if (b < 0) {
      throw endOfPickle(what);
    }
    return b;
  }

  /** The next byte, or -1 at the end of the pickle. */
  private int nextByte() throws IOException {
    int b = limit >= 0 && pos >= limit ? -1 : in.read();
    if (b >= 0) {
      pos++;
    }
    return b;
  }

  private PtFormatException endOfPickle(String what) {
    return error("expected " + what + ", found the end of the pickle");
  }

  private long readLong(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      int b = nextByte();
      if (b < 0) {
        // Spelled out only here: every length and memo index in a pickle passes through this loop.
        throw endOfPickle("a " + n + "-byte argument");
      }
      v |= (long) b << (8 * i);
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
    if (n > PtLimits.MAX_STRING_BYTES && limit >= 0 && n <= limit - pos) {
      throw error(
          "a "
              + n
              + "-byte "
              + what
              + " is longer than "
              + PtLimits.MAX_STRING_BYTES
              + " bytes"
              + PtLimits.raise("splitflow.pt.maxStringBytes", PtLimits.MAX_STRING_BYTES));
    }
    if (n > PtLimits.MAX_STRING_BYTES && limit < 0) {
      throw error(
          "a "
              + n
              + "-byte "
              + what
              + " is longer than "
              + PtLimits.MAX_STRING_BYTES
              + " bytes"
              + PtLimits.raise("splitflow.pt.maxStringBytes", PtLimits.MAX_STRING_BYTES));
    }
    stringBytes += n;
    if (stringBytes > PtLimits.MAX_TOTAL_STRING_BYTES && limit >= 0 && n <= limit - pos) {
      throw error(
          "strings and bytes of this pickle exceed "
              + PtLimits.MAX_TOTAL_STRING_BYTES
              + " bytes"
              + PtLimits.raise(
                  "splitflow.pt.maxTotalStringBytes", PtLimits.MAX_TOTAL_STRING_BYTES));
    }
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
    if (!Utf8.isValid(utf8)) {
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
