package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.DictValue;
import java.util.Arrays;
import java.util.List;

/** torch's tensor rebuild functions, as checked constructors of {@link TensorValue}. */
final class Tensors {
  private Tensors() {}

  /**
   * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
   * backward_hooks[, metadata])}; v3 adds the dtype after the hooks, for untyped storages.
   */
  static TensorValue rebuild(List<Object> a, Unpickler u, String fn, boolean v3) {
    Globals.arity(a, v3 ? 7 : 6, v3 ? 8 : 7, u, fn);
    if (!(a.get(0) instanceof StorageRef storage)) {
      throw u.error(fn + " expects a storage first, found a " + Unpickler.describe(a.get(0)));
    }
    long offset = Globals.nonNegativeLong(a.get(1), u, "storage_offset");
    long[] size = Globals.longs(a.get(2), u, "size");
    long[] stride = Globals.longs(a.get(3), u, "stride");
    boolean requiresGrad = Globals.bool(a.get(4), u, "requires_grad");
    if (size.length != stride.length) {
      throw u.error(
          "tensor size "
              + Arrays.toString(size)
              + " and stride "
              + Arrays.toString(stride)
              + " have different lengths");
    }
    int metadataAt = v3 ? 7 : 6;
    if (a.size() > metadataAt && !isEmpty(a.get(metadataAt))) {
      throw u.error(fn + ": tensors with Python attributes (metadata) are not supported");
    }
    DType dtype = storage.dtype();
    if (v3) {
      if (!(a.get(6) instanceof Globals.Marker m) || m.dtype() == null) {
        throw u.error(fn + " expects a torch dtype, found a " + Unpickler.describe(a.get(6)));
      }
      if (dtype == null) {
        if (storage.byteLength() % m.dtype().itemSize() != 0) {
          throw u.error(
              "untyped storage '"
                  + storage.key()
                  + "' of "
                  + storage.byteLength()
                  + " bytes is not a whole number of "
                  + m.dtype().torchName()
                  + " elements");
        }
        storage.bindDtype(m.dtype());
      } else if (dtype != m.dtype()) {
        throw u.error(twoDtypes(storage.key(), dtype, m.dtype()));
      }
      dtype = m.dtype();
    } else if (dtype == null) {
      throw u.error(
          fn + " needs a typed storage; storage '" + Echo.cut(storage.key()) + "' is untyped");
    }
    long end;
    long numel;
    try {
      numel = Shapes.numel(size);
      Math.multiplyExact(numel, dtype.itemSize());
      end = Shapes.spanEnd(size, stride, offset);
    } catch (ArithmeticException e) {
      throw u.error(
          "tensor size "
              + Arrays.toString(size)
              + " with stride "
              + Arrays.toString(stride)
              + " overflows 64-bit arithmetic");
    }
    // An empty tensor reads nothing: torch accepts it at any offset.
    if (numel > 0 && end > storage.numel()) {
      throw u.error(
          "tensor size "
              + Arrays.toString(size)
              + ", stride "
              + Arrays.toString(stride)
              + ", offset "
              + offset
              + " reaches element "
              + end
              + " but storage '"
              + storage.key()
              + "' holds only "
              + storage.numel()
              + " elements");
    }
    return new TensorValue(dtype, size, stride, offset, storage, requiresGrad, false);
  }

  static String twoDtypes(String key, DType first, DType second) {
    return "storage '"
        + Echo.cut(key)
        + "' is used as both "
        + first.torchName()
        + " and "
        + second.torchName()
        + " (torch would silently reinterpret the bytes)";
  }

  /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}. */
  static TensorValue rebuildParameter(List<Object> a, Unpickler u, String fn) {
    Globals.arity(a, 3, 4, u, fn);
    if (!(a.get(0) instanceof TensorValue t)) {
      throw u.error(fn + " expects a tensor, found a " + Unpickler.describe(a.get(0)));
    }
    boolean requiresGrad = Globals.bool(a.get(1), u, "requires_grad");
    if (a.size() == 4 && !isEmpty(a.get(3))) {
      throw u.error(fn + ": parameters with Python state are not supported");
    }
    return t.withParameter(requiresGrad, true);
  }

  private static boolean isEmpty(Object o) {
    return Globals.isNone(o) || (o instanceof DictValue d && d.size() == 0);
  }
}
