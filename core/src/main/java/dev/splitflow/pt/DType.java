package dev.splitflow.pt;

import java.util.Optional;

/** Tensor element types torch saves, with the storage class name each is pickled under. */
public enum DType {
  BOOL("bool", 1, "BoolStorage", "b1"),
  UINT8("uint8", 1, "ByteStorage", "u1"),
  INT8("int8", 1, "CharStorage", "i1"),
  INT16("int16", 2, "ShortStorage", "i2"),
  INT32("int32", 4, "IntStorage", "i4"),
  INT64("int64", 8, "LongStorage", "i8"),
  FLOAT16("float16", 2, "HalfStorage", "f2"),
  BFLOAT16("bfloat16", 2, "BFloat16Storage", null),
  FLOAT32("float32", 4, "FloatStorage", "f4"),
  FLOAT64("float64", 8, "DoubleStorage", "f8"),
  COMPLEX64("complex64", 8, "ComplexFloatStorage", "c8"),
  COMPLEX128("complex128", 16, "ComplexDoubleStorage", "c16"),
  // Saved by torch 2.x with an untyped storage and _rebuild_tensor_v3; no typed storage class.
  // Those without a numpy code cannot come from numpy arrays.
  UINT16("uint16", 2, null, "u2"),
  UINT32("uint32", 4, null, "u4"),
  UINT64("uint64", 8, null, "u8"),
  COMPLEX32("complex32", 4, null, null),
  FLOAT8_E4M3FN("float8_e4m3fn", 1, null, null),
  FLOAT8_E5M2("float8_e5m2", 1, null, null),
  FLOAT8_E4M3FNUZ("float8_e4m3fnuz", 1, null, null),
  FLOAT8_E5M2FNUZ("float8_e5m2fnuz", 1, null, null),
  FLOAT8_E8M0FNU("float8_e8m0fnu", 1, null, null);

  private final String torchName;
  private final int itemSize;
  private final String storageClass;
  private final String numpyCode;

  DType(String torchName, int itemSize, String storageClass, String numpyCode) {
    this.torchName = torchName;
    this.itemSize = itemSize;
    this.storageClass = storageClass;
    this.numpyCode = numpyCode;
  }

  /** torch's name without the {@code torch.} prefix, e.g. {@code float16}. */
  public String torchName() {
    return torchName;
  }

  public int itemSize() {
    return itemSize;
  }

  /** The {@code torch.<X>Storage} class name, or empty for dtypes saved with untyped storage. */
  public Optional<String> storageClass() {
    return Optional.ofNullable(storageClass);
  }

  /** Whether {@code torch.load(weights_only=True)} accepts a typed storage of this dtype. */
  public boolean hasTypedStorage() {
    return storageClass != null;
  }

  static Optional<DType> fromStorageClass(String name) {
    for (DType t : values()) {
      if (name.equals(t.storageClass)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  static Optional<DType> fromTorchName(String name) {
    for (DType t : values()) {
      if (t.torchName.equals(name)) {
        return Optional.of(t);
      }
    }
    // torch's aliases, as its GLOBALs may spell them (torch.half, torch.long, ...).
    return switch (name) {
      case "half" -> Optional.of(FLOAT16);
      case "float" -> Optional.of(FLOAT32);
      case "double" -> Optional.of(FLOAT64);
      case "short" -> Optional.of(INT16);
      case "int" -> Optional.of(INT32);
      case "long" -> Optional.of(INT64);
      case "cfloat" -> Optional.of(COMPLEX64);
      case "cdouble" -> Optional.of(COMPLEX128);
      case "chalf" -> Optional.of(COMPLEX32);
      default -> Optional.empty();
    };
  }

  /** Maps a numpy type code without byte order ({@code f4}, {@code b1}, {@code c16}). */
  static Optional<DType> fromNumpyCode(String code) {
    for (DType t : values()) {
      if (code.equals(t.numpyCode)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
