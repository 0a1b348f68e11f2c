package dev.splitflow.pt;

import java.util.Arrays;

/**
 * A numpy array or numpy scalar found inside a record, read from its pickled dtype, shape and bytes
 * (numpy itself is never run). The writer turns it into a tensor of the same dtype and shape.
 */
public final class NdArrayValue implements PtValue {
  private final DType dtype;
  private final String numpyDtype;
  private final long[] shape;
  private final boolean fortranOrder;
  private final boolean scalar;
  private final byte[] raw;

  NdArrayValue(
      DType dtype,
      String numpyDtype,
      long[] shape,
      boolean fortranOrder,
      boolean scalar,
      byte[] raw) {
    this.dtype = dtype;
    this.numpyDtype = numpyDtype;
    this.shape = shape;
    this.fortranOrder = fortranOrder;
    this.scalar = scalar;
    this.raw = raw;
  }

  /** The torch dtype of the same element type. */
  public DType dtype() {
    return dtype;
  }

  /** numpy's dtype string, with byte order: {@code <f4}, {@code >i2}, {@code |b1}. */
  public String numpyDtype() {
    return numpyDtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public boolean fortranOrder() {
    return fortranOrder;
  }

  /** True for a numpy scalar such as {@code np.float32(1.5)} (shape {@code ()}). */
  public boolean isScalar() {
    return scalar;
  }

  public long numel() {
    return Shapes.numel(shape);
  }

  byte[] rawUnsafe() {
    return raw;
  }

  /** The elements in C order, little-endian, whatever order and byte order the file used. */
  public byte[] littleEndianCOrder() {
    int item = dtype.itemSize();
    byte[] le = raw;
    if (numpyDtype.startsWith(">") && item > 1) {
      le = raw.clone();
      // Complex numbers swap each of their two halves, not the whole element.
      int unit = numpyDtype.charAt(1) == 'c' ? item / 2 : item;
      for (int i = 0; i < le.length; i += unit) {
        for (int a = i, b = i + unit - 1; a < b; a++, b--) {
          byte t = le[a];
          le[a] = le[b];
          le[b] = t;
        }
      }
    }
    if (!fortranOrder || shape.length < 2) {
      return le == raw ? raw.clone() : le;
    }
    long[] fStrides = new long[shape.length];
    long s = 1;
    for (int d = 0; d < shape.length; d++) {
      fStrides[d] = s;
      s *= shape[d];
    }
    byte[] out = new byte[le.length];
    long[] idx = new long[shape.length];
    int n = (int) numel();
    for (int i = 0; i < n; i++) {
      long src = 0;
      for (int d = 0; d < shape.length; d++) {
        src += idx[d] * fStrides[d];
      }
      System.arraycopy(le, (int) src * item, out, i * item, item);
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return out;
  }

  /** The same values as a C-contiguous tensor with its own in-memory storage. */
  public TensorValue toTensor() {
    return TensorValue.of(dtype, shape, littleEndianCOrder());
  }

  @Override
  public String typeName() {
    return scalar ? "numpy scalar" : "numpy.ndarray";
  }

  @Override
  public String toString() {
    return "NdArray[" + numpyDtype + " " + Arrays.toString(shape) + "]";
  }
}
