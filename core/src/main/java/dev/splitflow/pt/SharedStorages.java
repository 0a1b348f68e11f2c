package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.Container;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The shared-storage plan of a {@link PtWriter}, on its own so the writer's pickling does not mix
 * with deciding which source storages several records view enough to be written once.
 */
final class SharedStorages {
  /** Source storages the planned records view, by {@link StorageRef#identity()} and type. */
  private final Map<SharedKey, Shared> shares = new HashMap<>();

  /** Tensors counted by {@link #add}: one tensor in two records is written once. */
  private Set<TensorValue> planned = Collections.newSetFromMap(new IdentityHashMap<>());

  /** Whether records may still be added: only until the first one is written. */
  boolean planning() {
    return planned != null;
  }

  /** Ends planning; the tensors seen are no longer needed. */
  void endPlanning() {
    planned = null;
  }

  /** Counts the views {@code record} holds, for {@link PtWriter#plan}. */
  void add(PtValue record) {
    ArrayDeque<PtValue> todo = new ArrayDeque<>();
    Set<PtValue> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    todo.push(record);
    while (!todo.isEmpty()) {
      PtValue v = todo.pop();
      if (v instanceof TensorValue t) {
        if (t.numel() > 0 && planned.add(t)) {
          Shared s =
              shares.computeIfAbsent(
                  new SharedKey(t.storage().identity(), t.dtype()), k -> new Shared());
          s.soloBytes += soloElements(t) * t.dtype().itemSize();
          s.lo = Math.min(s.lo, t.storageOffset());
          s.hi =
              Math.max(s.hi, Shapes.spanEnd(t.shapeUnsafe(), t.strideUnsafe(), t.storageOffset()));
        }
      } else if (v instanceof Container c && seen.add(c)) {
        for (PtValue child : Values.children(c)) {
          todo.push(child);
        }
      }
    }
  }

  /** A source storage as the planned records view it. */
  private record SharedKey(Object storage, DType dtype) {}

  /** A part of a source storage written once for all its planned views. */
  static final class Shared {
    /** Bytes the views' own storages would hold, each written alone. */
    long soloBytes;

    /** The elements of the source storage the views cover: [lo, hi). */
    long lo = Long.MAX_VALUE;

    long hi;

    /** The key the covered part is written under, once written. */
    String key;

    boolean worthSharing(int itemSize) {
      return soloBytes > (hi - lo) * itemSize;
    }
  }

  /** The shared part {@code t} is to be written into, or null to write it on its own. */
  Shared sharedStorageOf(TensorValue t) {
    if (shares.isEmpty() || t.numel() == 0) {
      return null;
    }
    Shared s = shares.get(new SharedKey(t.storage().identity(), t.dtype()));
    if (s == null || !s.worthSharing(t.dtype().itemSize())) {
      return null;
    }
    long end = Shapes.spanEnd(t.shapeUnsafe(), t.strideUnsafe(), t.storageOffset());
    // A view the plan did not see (its record was not planned) may reach outside the part.
    return t.storageOffset() >= s.lo && end <= s.hi ? s : null;
  }

  /**
   * Elements a tensor's own storage holds when written alone: its elements (compact), or, for a
   * view with fewer distinct elements than elements, the span it covers. Never more than its source
   * storage holds.
   */
  static long soloElements(TensorValue t) {
    if (t.numel() == 0) {
      return 0;
    }
    long spanElems = Shapes.spanEnd(t.shapeUnsafe(), t.strideUnsafe(), 0);
    return t.numel() <= spanElems ? t.numel() : spanElems;
  }
}
