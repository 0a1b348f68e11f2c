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
      write(')');
      return;
    }
    if (values.length > 3) {
      write('(');
    }
    for (long v : values) {
      writeInt(BigInteger.valueOf(v));
    }
    write(values.length > 3 ? 't' : 0x84 + values.length);
  }

  void writeInt(BigInteger v) {
    if (v.signum() >= 0 && v.bitLength() <= 8) {
      write('K');
      write(v.intValue());
    } else if (v.signum() >= 0 && v.bitLength() <= 16) {
      write('M');
      int x = v.intValue();
      write(x & 0xFF);
      write(x >>> 8);
    } else if (v.bitLength() <= 31) {
      write('J');
      int x = v.intValue();
      for (int i = 0; i < 4; i++) {
        write((x >>> (8 * i)) & 0xFF);
      }
    } else {
      byte[] be = v.toByteArray(); // minimal two's complement, as Python's encode_long
      write(0x8a);
      write(be.length);
      for (int i = be.length - 1; i >= 0; i--) {
        write(be[i]);
      }
    }
  }

  void writeFloat(double d) {
    write('G');
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 7; i >= 0; i--) {
      write((int) (bits >>> (8 * i)) & 0xFF);
    }
  }

  void writeStr(byte[] utf8) {
    write('X');
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
    write('c');
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
      write('h');
      write(id);
    } else {
      write('j');
      for (int i = 0; i < 4; i++) {
        write((id >>> (8 * i)) & 0xFF);
      }
    }
  }

  private void memoPutOp(int id) {
    if (id < 256) {
      write('q');
      write(id);
    } else {
      write('r');
      for (int i = 0; i < 4; i++) {
        write((id >>> (8 * i)) & 0xFF);
      }
    }
  }
}
