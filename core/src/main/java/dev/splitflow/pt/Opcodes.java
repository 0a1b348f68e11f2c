package dev.splitflow.pt;

import java.util.Map;

/**
 * The pickle opcodes, named as in CPython's {@code pickle.py}, so that {@link Unpickler}, {@link
 * MemoPrescan}, {@link PickleOutput} and {@link PtWriter} can be read against the pickle spec. Each
 * is an {@code int} constant so that it serves as a switch label on an opcode byte as read (0 to
 * 255, or -1 at the end) and as an argument to {@code OutputStream.write}.
 */
final class Opcodes {
  private Opcodes() {}

  // Protocol 0 and 1.

  /** Pushes a MARK: the start of the items LIST, DICT, TUPLE, APPENDS, SETITEMS... pop. */
  static final int MARK = '(';

  /** The end of the pickle: its value is the one item left on the stack. */
  static final int STOP = '.';

  static final int POP = '0';
  static final int POP_MARK = '1';
  static final int DUP = '2';

  /** A float as decimal text (refused: torch's pickler writes BINFLOAT). */
  static final int FLOAT = 'F';

  /** An int as decimal text (refused). */
  static final int INT = 'I';

  /** A 4-byte signed little-endian int. */
  static final int BININT = 'J';

  /** A 1-byte unsigned int. */
  static final int BININT1 = 'K';

  /** An int as decimal text with an L suffix (refused). */
  static final int LONG = 'L';

  /** A 2-byte unsigned little-endian int. */
  static final int BININT2 = 'M';

  static final int NONE = 'N';

  /** A persistent id as text (refused; torch writes BINPERSID). */
  static final int PERSID = 'P';

  /** Pops a persistent id tuple: torch's reference to a storage. */
  static final int BINPERSID = 'Q';

  /** Pops arguments and a callable, pushes the call's result. */
  static final int REDUCE = 'R';

  /** A quoted Python 2 str (refused). */
  static final int STRING = 'S';

  /** A Python 2 str of a 4-byte length (read as UTF-8 text). */
  static final int BINSTRING = 'T';

  /** A Python 2 str of a 1-byte length (read as UTF-8 text). */
  static final int SHORT_BINSTRING = 'U';

  /** A str as raw-unicode-escaped text (refused). */
  static final int UNICODE = 'V';

  /** A UTF-8 str of a 4-byte length. */
  static final int BINUNICODE = 'X';

  static final int APPEND = 'a';

  /** Pops a state and applies it to the object below it ({@code __setstate__}). */
  static final int BUILD = 'b';

  /** A module and a name, each on its own line. */
  static final int GLOBAL = 'c';

  /** A dict of the items above the MARK. */
  static final int DICT = 'd';

  static final int EMPTY_DICT = '}';

  /** Appends the items above the MARK to the list below it. */
  static final int APPENDS = 'e';

  /** A memo read by a decimal id (refused). */
  static final int GET = 'g';

  /** A memo read by a 1-byte id. */
  static final int BINGET = 'h';

  /** Builds an instance of a class named inline (refused). */
  static final int INST = 'i';

  /** A memo read by a 4-byte id. */
  static final int LONG_BINGET = 'j';

  /** A list of the items above the MARK. */
  static final int LIST = 'l';

  static final int EMPTY_LIST = ']';

  /** Builds an instance of a class on the stack (refused). */
  static final int OBJ = 'o';

  /** A memo store by a decimal id (refused). */
  static final int PUT = 'p';

  /** A memo store by a 1-byte id. */
  static final int BINPUT = 'q';

  /** A memo store by a 4-byte id. */
  static final int LONG_BINPUT = 'r';

  static final int SETITEM = 's';

  /** A tuple of the items above the MARK. */
  static final int TUPLE = 't';

  static final int EMPTY_TUPLE = ')';

  /** Sets the key-value pairs above the MARK in the dict below it. */
  static final int SETITEMS = 'u';

  /** An 8-byte big-endian IEEE 754 double. */
  static final int BINFLOAT = 'G';

  // Protocol 2.

  /** The protocol number, in the next byte. */
  static final int PROTO = 0x80;

  static final int NEWOBJ = 0x81;
  static final int EXT1 = 0x82;
  static final int EXT2 = 0x83;
  static final int EXT4 = 0x84;

  /** A tuple of the top item; TUPLE2 and TUPLE3 follow it, so {@code TUPLE1 - 1 + n} is n's. */
  static final int TUPLE1 = 0x85;

  static final int TUPLE2 = 0x86;
  static final int TUPLE3 = 0x87;
  static final int NEWTRUE = 0x88;
  static final int NEWFALSE = 0x89;

  /** A little-endian two's complement int of a 1-byte length. */
  static final int LONG1 = 0x8a;

  /** A little-endian two's complement int of a 4-byte length (refused, as by torch). */
  static final int LONG4 = 0x8b;

  // Protocol 3.

  /** bytes of a 4-byte length. */
  static final int BINBYTES = 'B';

  /** bytes of a 1-byte length. */
  static final int SHORT_BINBYTES = 'C';

  // Protocol 4.

  /** A UTF-8 str of a 1-byte length. */
  static final int SHORT_BINUNICODE = 0x8c;

  /** A UTF-8 str of an 8-byte length. */
  static final int BINUNICODE8 = 0x8d;

  /** bytes of an 8-byte length. */
  static final int BINBYTES8 = 0x8e;

  static final int EMPTY_SET = 0x8f;

  /** Adds the items above the MARK to the set below it. */
  static final int ADDITEMS = 0x90;

  static final int FROZENSET = 0x91;
  static final int NEWOBJ_EX = 0x92;

  /** GLOBAL with the module and name popped off the stack. */
  static final int STACK_GLOBAL = 0x93;

  /** A memo store under the next id, the memo's size. */
  static final int MEMOIZE = 0x94;

  /** The length of the next frame: only a read-ahead hint. */
  static final int FRAME = 0x95;

  // Protocol 5.

  /** A bytearray of an 8-byte length. */
  static final int BYTEARRAY8 = 0x96;

  static final int NEXT_BUFFER = 0x97;
  static final int READONLY_BUFFER = 0x98;

  /** Names of the opcodes refused without a case of their own, for error messages. */
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(INT, "INT"),
          Map.entry(LONG, "LONG"),
          Map.entry(FLOAT, "FLOAT"),
          Map.entry(STRING, "STRING"),
          Map.entry(UNICODE, "UNICODE"),
          Map.entry(PERSID, "PERSID"),
          Map.entry(INST, "INST"),
          Map.entry(OBJ, "OBJ"),
          Map.entry(PUT, "PUT"),
          Map.entry(GET, "GET"),
          Map.entry(NEWOBJ, "NEWOBJ"),
          Map.entry(EXT1, "EXT1"),
          Map.entry(EXT2, "EXT2"),
          Map.entry(EXT4, "EXT4"),
          Map.entry(FROZENSET, "FROZENSET"),
          Map.entry(NEWOBJ_EX, "NEWOBJ_EX"),
          Map.entry(NEXT_BUFFER, "NEXT_BUFFER"),
          Map.entry(READONLY_BUFFER, "READONLY_BUFFER"));

  static String describe(int op) {
    String name = NAMES.get(op);
    String hex = String.format("0x%02x", op);
    if (name == null) {
      return hex + " (not a pickle opcode)";
    }
    return name + " (" + hex + ")";
  }
}
