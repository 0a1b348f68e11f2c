package dev.splitflow.pt;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The pickle {@link PtWriter} builds, with its protocol-2 encodings of ints, floats, strings,
 * globals and memo references, apart from the writer's walk over records and tensors.
 */
final class PickleOutput extends ByteArrayOutputStream {
  private final Map<Object, Integer> memo = new IdentityHashMap<>();
  private final Map<String, Integer> globalMemo = new HashMap<>();
  private int nextMemo = 1;

  PickleOutput(int size) {
    super(size);
  }

  void writeLongs(long[] values) {
    if (values.length == 0) {
      write(Opcodes.EMPTY_TUPLE);
      return;
    }
    if (values.length > 3) {
      write(Opcodes.MARK);
    }
    for (long v : values) {
      writeInt(BigInteger.valueOf(v));
    }
    write(values.length > 3 ? Opcodes.TUPLE : Opcodes.TUPLE1 - 1 + values.length);
  }

  void writeInt(BigInteger v) {
    if (v.signum() >= 0 && v.bitLength() <= 8) {
      write(Opcodes.BININT1);
      write(v.intValue());
    } else if (v.signum() >= 0 && v.bitLength() <= 16) {
      write(Opcodes.BININT2);
      int x = v.intValue();
      write(x & 0xFF);
      write(x >>> 8);
    } else if (v.bitLength() <= 31) {
      write(Opcodes.BININT);
      int x = v.intValue();
      for (int i = 0; i < 4; i++) {
        write((x >>> (8 * i)) & 0xFF);
      }
    } else {
      byte[] be = v.toByteArray(); // minimal two's complement, as Python's encode_long
      write(Opcodes.LONG1);
      write(be.length);
      for (int i = be.length - 1; i >= 0; i--) {
        write(be[i]);
      }
    }
  }

  void writeFloat(double d) {
    write(Opcodes.BINFLOAT);
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 7; i >= 0; i--) {
      write((int) (bits >>> (8 * i)) & 0xFF);
    }
  }

  void writeStr(byte[] utf8) {
    write(Opcodes.BINUNICODE);
    int n = utf8.length;
    for (int i = 0; i < 4; i++) {
      write((n >>> (8 * i)) & 0xFF);
    }
    write(utf8, 0, n);
  }

  void global(String module, String name) {
    String qualified = module + "\n" + name + "\n";
    Integer id = globalMemo.get(qualified);
    if (id != null) {
      memoGetOp(id);
      return;
    }
    write(Opcodes.GLOBAL);
    writeBytes(qualified.getBytes(StandardCharsets.US_ASCII));
    id = nextMemo++;
    memoPutOp(id);
    globalMemo.put(qualified, id);
  }

  boolean memoGet(Object o) {
    Integer id = memo.get(o);
    if (id == null) {
      return false;
    }
    memoGetOp(id);
    return true;
  }

  void memoPut(Object o) {
    int id = nextMemo++;
    memo.put(o, id);
    memoPutOp(id);
  }

  private void memoGetOp(int id) {
    if (id < 256) {
      write(Opcodes.BINGET);
      write(id);
    } else {
      write(Opcodes.LONG_BINGET);
      for (int i = 0; i < 4; i++) {
        write((id >>> (8 * i)) & 0xFF);
      }
    }
  }

  private void memoPutOp(int id) {
    if (id < 256) {
      write(Opcodes.BINPUT);
      write(id);
    } else {
      write(Opcodes.LONG_BINPUT);
      for (int i = 0; i < 4; i++) {
        write((id >>> (8 * i)) & 0xFF);
      }
    }
  }
}
