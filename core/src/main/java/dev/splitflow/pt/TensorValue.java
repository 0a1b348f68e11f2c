package dev.splitflow.pt;

import java.util.Arrays;

/**
 * A tensor: a strided view into a {@link StorageRef}. Sizes, strides and the storage offset are in
 * elements; strides are never negative (torch cannot save negative strides).
 */
public final class TensorValue implements PtValue {
  private final DType dtype;
  private final long[] shape;
  private final long[] stride;
  private final long storageOffset;
  private final StorageRef storage;
  private final boolean requiresGrad;
  private final boolean parameter;

  TensorValue(
      DType dtype,
      long[] shape,
      long[] stride,
      long storageOffset,
      StorageRef storage,
      boolean requiresGrad,
      boolean parameter) {
    this.dtype = dtype;
    this.shape = shape;
    this.stride = stride;
    this.storageOffset = storageOffset;
    this.storage = storage;
    this.requiresGrad = requiresGrad;
    this.parameter = parameter;
  }

  /** A C-contiguous tensor over its own in-memory storage of little-endian elements. */
  public static TensorValue of(DType dtype, long[] shape, byte[] littleEndianElements) {
    long n = Shapes.numel(shape);
    if (n * dtype.itemSize() != littleEndianElements.length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " of "
              + dtype.torchName()
              + " needs "
              + n * dtype.itemSize()
              + " bytes, got "
              + littleEndianElements.length);
    }
    return new TensorValue(
        dtype,
        shape.clone(),
        Shapes.contiguousStrides(shape),
        0,
        StorageRef.ofBytes(dtype, littleEndianElements),
        false,
        false);
  }

  /**
   * A strided view into a storage, as torch makes with slicing, transposing or {@code stack}:
   * sizes, strides and offset in elements, checked to stay inside the storage.
   */
  public static TensorValue view(StorageRef storage, long[] shape, long[] stride, long offset) {
    if (shape.length != stride.length || offset < 0) {
      throw new IllegalArgumentException("shape and stride differ in length, or offset < 0");
    }
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] < 0 || stride[d] < 0) {
        throw new IllegalArgumentException("negative size or stride");
      }
    }
    long end = Shapes.spanEnd(shape, stride, offset);
    if (end > storage.numel()) {
      throw new IllegalArgumentException(
          "view reaches element " + end + " of a storage of " + storage.numel());
    }
    return new TensorValue(
        storage.dtype(), shape.clone(), stride.clone(), offset, storage, false, false);
  }

  /** A copy of this tensor marked as an {@code nn.Parameter} or not. */
  TensorValue withParameter(boolean requiresGrad, boolean isParameter) {
    return new TensorValue(dtype, shape, stride, storageOffset, storage, requiresGrad, isParameter);
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long[] stride() {
    return stride.clone();
  }

  public long storageOffset() {
    return storageOffset;
  }

  public StorageRef storage() {
    return storage;
  }

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** True for an {@code nn.Parameter}. */
  public boolean isParameter() {
    return parameter;
  }

  public int dim() {
    return shape.length;
  }

  public long numel() {
    return Shapes.numel(shape);
  }

  /** Bytes of the tensor's elements in C order. */
  public long byteSize() {
    return numel() * dtype.itemSize();
  }

  long[] shapeUnsafe() {
    return shape;
  }

  long[] strideUnsafe() {
    return stride;
  }

  @Override
  public String typeName() {
    return parameter ? "Parameter" : "Tensor";
  }

  @Override
  public String toString() {
    return "Tensor["
        + dtype.torchName()
        + " "
        + Arrays.toString(shape)
        + " stride "
        + Arrays.toString(stride)
        + " offset "
        + storageOffset
        + " storage "
        + storage.key()
        + "]";
  }
}
