package dev.splitflow.pt;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The first of the two walks {@link PtFile#forEachRecord} makes over a {@code data.pkl}: which memo
 * ids the pickle reads back, found without building anything, so that the second walk ({@link
 * Unpickler#stream}) keeps only those memo entries and records it hands out are not held by the
 * memo. Its own class because it follows the opcodes' argument sizes and stack effects, not their
 * meaning.
 */
final class MemoPrescan {
  private MemoPrescan() {}

  /** A stack effect: the opcode pops everything down to the last MARK. */
  private static final long TO_MARK = Long.MIN_VALUE;

  /** An argument size: the walk stops here (end of the bytes, STOP, or a refused opcode). */
  private static final long END = -1;

  /**
   * The memo ids a pickle reads back (GET, BINGET, LONG_BINGET), found by walking its opcodes
   * without building anything. Stops quietly at the end of the bytes, at STOP, or at an opcode
   * {@link Unpickler#load} refuses: the run that follows reports those.
   *
   * @param limit the number of bytes {@code in} holds, or -1 if unknown
   */
  static Set<Long> memoReads(InputStream in, long limit) throws IOException {
    Set<Long> reads = new HashSet<>();
    Reader p = new Reader(in, limit);
    // The stack's size, followed as the run will follow it: past MAX_STACK the run refuses the
    // pickle at that point, so the walk stops there instead of inflating the rest of a bomb.
    long size = 0;
    ArrayDeque<Long> markAt = new ArrayDeque<>();
    while (true) {
      int op = p.u8();
      size = stackSizeAfter(op, size, markAt);
      if (size > PtLimits.MAX_STACK) {
        return reads;
      }
      if (op == Opcodes.BINGET || op == Opcodes.LONG_BINGET) {
        long id = op == Opcodes.BINGET ? p.u8() : p.le(4);
        if (id < 0) {
          return reads;
        }
        reads.add(id);
        if (reads.size() > PtLimits.MAX_MEMO) {
          return reads; // the run refuses the pickle
        }
        continue;
      }
      if (op == Opcodes.GLOBAL) {
        if (!p.line() || !p.line()) {
          return reads;
        }
        continue;
      }
      long skip = argumentBytes(op, p);
      // A string over the limit is refused by the run that follows: no need to inflate it here.
      if (skip < 0 || skip > PtLimits.MAX_STRING_BYTES || !p.skip(skip)) {
        return reads;
      }
    }
  }

  /** The stack's size after {@code op}, following the MARKs in {@code markAt}. */
  private static long stackSizeAfter(int op, long size, ArrayDeque<Long> markAt) {
    long effect = stackEffect(op);
    if (op == Opcodes.MARK) {
      markAt.push(size);
    } else if (effect == TO_MARK) {
      size = markAt.isEmpty() ? 0 : markAt.pop();
      // POP_MARK leaves nothing, and APPENDS, SETITEMS and ADDITEMS change the value below the
      // MARK; LIST, DICT and TUPLE leave one new value. (Counting one for APPENDS too made the
      // walk stop at its stack limit after 100,000 batches, missing the later memo reads.)
      effect =
          op == Opcodes.POP_MARK
                  || op == Opcodes.APPENDS
                  || op == Opcodes.SETITEMS
                  || op == Opcodes.ADDITEMS
              ? 0
              : 1;
    }
    return Math.max(0, size + effect);
  }

  /**
   * The number of argument bytes after {@code op} (reading a length argument), or a negative number
   * where the walk stops.
   */
  private static long argumentBytes(int op, Reader p) throws IOException {
    return switch (op) {
      case Opcodes.MARK,
          Opcodes.POP,
          Opcodes.POP_MARK,
          Opcodes.DUP,
          Opcodes.NONE,
          Opcodes.NEWTRUE,
          Opcodes.NEWFALSE,
          Opcodes.EMPTY_LIST,
          Opcodes.LIST,
          Opcodes.APPEND,
          Opcodes.APPENDS,
          Opcodes.EMPTY_TUPLE,
          Opcodes.TUPLE,
          Opcodes.TUPLE1,
          Opcodes.TUPLE2,
          Opcodes.TUPLE3,
          Opcodes.EMPTY_DICT,
          Opcodes.DICT,
          Opcodes.SETITEM,
          Opcodes.SETITEMS,
          Opcodes.EMPTY_SET,
          Opcodes.ADDITEMS,
          Opcodes.MEMOIZE,
          Opcodes.STACK_GLOBAL,
          Opcodes.REDUCE,
          Opcodes.BUILD,
          Opcodes.BINPERSID ->
          0;
      case Opcodes.PROTO, Opcodes.BININT1, Opcodes.BINPUT -> 1;
      case Opcodes.BININT2 -> 2;
      case Opcodes.BININT, Opcodes.LONG_BINPUT -> 4;
      case Opcodes.FRAME, Opcodes.BINFLOAT -> 8;
      case Opcodes.LONG1,
          Opcodes.SHORT_BINUNICODE,
          Opcodes.SHORT_BINSTRING,
          Opcodes.SHORT_BINBYTES ->
          p.u8();
      case Opcodes.LONG4, Opcodes.BINUNICODE, Opcodes.BINSTRING, Opcodes.BINBYTES -> p.le(4);
      case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> p.le(8);
      default -> END; // the end of the bytes (-1), STOP, or an opcode the run refuses
    };
  }

  /** How an opcode changes the stack's size, or TO_MARK for the ones that pop to a MARK. */
  private static long stackEffect(int op) {
    return switch (op) {
      case Opcodes.APPENDS,
          Opcodes.SETITEMS,
          Opcodes.TUPLE,
          Opcodes.LIST,
          Opcodes.DICT,
          Opcodes.ADDITEMS,
          Opcodes.POP_MARK ->
          TO_MARK;
      case Opcodes.MARK,
          Opcodes.DUP,
          Opcodes.NONE,
          Opcodes.NEWTRUE,
          Opcodes.NEWFALSE,
          Opcodes.BININT,
          Opcodes.BININT1,
          Opcodes.BININT2,
          Opcodes.LONG1,
          Opcodes.LONG4,
          Opcodes.BINFLOAT,
          Opcodes.BINUNICODE,
          Opcodes.SHORT_BINUNICODE,
          Opcodes.BINUNICODE8,
          Opcodes.SHORT_BINSTRING,
          Opcodes.BINSTRING,
          Opcodes.SHORT_BINBYTES,
          Opcodes.BINBYTES,
          Opcodes.BINBYTES8,
          Opcodes.BYTEARRAY8,
          Opcodes.EMPTY_LIST,
          Opcodes.EMPTY_TUPLE,
          Opcodes.EMPTY_DICT,
          Opcodes.EMPTY_SET,
          Opcodes.BINGET,
          Opcodes.LONG_BINGET,
          Opcodes.GLOBAL ->
          1;
      case Opcodes.POP,
          Opcodes.APPEND,
          Opcodes.REDUCE,
          Opcodes.BUILD,
          Opcodes.TUPLE2,
          Opcodes.STACK_GLOBAL ->
          -1;
      case Opcodes.SETITEM, Opcodes.TUPLE3 -> -2;
      default -> 0; // PROTO, FRAME, STOP, TUPLE1, BINPERSID, memo puts
    };
  }

  /** Raw reads for {@link #memoReads}: -1 or false at the end of the bytes. */
  private static final class Reader {
    private final InputStream in;
    private final long limit;
    private long pos;

    Reader(InputStream in, long limit) {
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
}
