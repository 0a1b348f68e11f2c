package dev.splitflow.pt;

/** Shape and stride arithmetic, overflow-checked because the numbers come from untrusted files. */
final class Shapes {
  private Shapes() {}

  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  static long[] contiguousStrides(long[] shape) {
    long[] stride = new long[shape.length];
    long s = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      stride[d] = s;
      s = Math.multiplyExact(s, Math.max(shape[d], 1));
    }
    return stride;
  }

  /**
   * End (exclusive, in elements) of the storage range a view touches, or {@code offset} when it has
   * no elements: offset + sum((size-1) * stride) + 1.
   */
  static long spanEnd(long[] shape, long[] stride, long offset) {
    long hi = offset;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == 0) {
        return offset;
      }
    }
    for (int d = 0; d < shape.length; d++) {
      hi = Math.addExact(hi, Math.multiplyExact(shape[d] - 1, stride[d]));
    }
    return Math.addExact(hi, 1);
  }
}
