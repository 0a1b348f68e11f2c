package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.util.List;
import java.util.Map;

/**
 * The persistent ids by which a .pt pickle names its storages (the tuple after BINPERSID), checked
 * as torch checks them, and the rule that every declaration of one key agrees with the first. Both
 * layouts ({@link ZipPickle}, {@link LegacyFormat}) and record-by-record reading ({@link
 * StreamedStorages}) declare storages through here.
 */
final class PersistentIds {
  private PersistentIds() {}

  /** What a persistent id declares: a storage's key, element type (null: untyped) and size. */
  record Declared(String key, DType dtype, long byteLength) {}

  /**
   * Checks a persistent id, {@code ('storage', <storage type>, key, location, numel)} (legacy files
   * add view metadata, which must be None, so {@code arity} is 6), and returns what it declares.
   */
  static Declared declared(List<Object> pid, int arity, Source src, String where) {
    String shape = "('storage', <torch storage type>, key, location, numel)";
    if (pid.size() != arity
        || !(pid.get(0) instanceof StrValue tag)
        || !tag.value().equals("storage")) {
      throw src.error(
          where, "expected a persistent id " + shape + ", found a " + pid.size() + "-item tuple");
    }
    if (!(pid.get(1) instanceof Globals.Marker type)
        || !(type.qualifiedName().endsWith("Storage"))) {
      throw src.error(
          where,
          "expected a torch storage type in the persistent id, found "
              + Unpickler.describe(pid.get(1)));
    }
    if (!(pid.get(2) instanceof StrValue keyValue)
        || keyValue.value().isEmpty()
        || keyValue.value().contains("/")
        || keyValue.value().contains("\\")
        || keyValue.value().contains("..")) {
      throw src.error(
          where,
          "expected a storage key without '/', '\\' or '..', found "
              + (pid.get(2) instanceof StrValue s
                  ? "'" + Echo.cut(s.value()) + "'"
                  : Unpickler.describe(pid.get(2))));
    }
    if (!(pid.get(3) instanceof StrValue)) {
      throw src.error(where, "expected a device string in the persistent id");
    }
    if (!(pid.get(4) instanceof IntValue n)
        || n.value().signum() < 0
        || n.value().bitLength() > 62) {
      throw src.error(where, "expected a non-negative element count in the persistent id");
    }
    if (arity == 6 && !Globals.isNone(pid.get(5))) {
      throw src.error(where, "legacy storage views (view metadata) are not supported");
    }
    String key = keyValue.value();
    DType dtype = type.dtype();
    long byteLength;
    try {
      byteLength =
          dtype == null
              ? n.value().longValueExact()
              : Math.multiplyExact(n.value().longValueExact(), dtype.itemSize());
    } catch (ArithmeticException e) {
      throw src.error(where, "storage '" + Echo.cut(key) + "' size overflows 64-bit arithmetic");
    }
    return new Declared(key, dtype, byteLength);
  }

  /** The storage {@code d} names: the one already in {@code byKey}, or a new one put there. */
  static StorageRef storageFor(
      Declared d, Map<String, StorageRef> byKey, Source src, String where) {
    StorageRef existing = byKey.get(d.key());
    if (existing != null) {
      checkSame(existing.key(), existing.dtype(), existing.byteLength(), d, src, where);
      return existing;
    }
    StorageRef ref = new StorageRef(d.key(), d.dtype(), d.byteLength());
    byKey.put(d.key(), ref);
    return ref;
  }

  /** Refuses a second declaration of a storage that disagrees with the first. */
  static void checkSame(
      String key, DType dtype, long byteLength, Declared again, Source src, String where) {
    if (again.dtype() != null && dtype != null && dtype != again.dtype()) {
      throw src.error(where, Tensors.twoDtypes(key, dtype, again.dtype()));
    }
    if (byteLength != again.byteLength()) {
      throw src.error(
          where,
          "storage '"
              + key
              + "' declared with "
              + byteLength
              + " and "
              + again.byteLength()
              + " bytes");
    }
  }
}
