package dev.splitflow.pt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of a {@link PtValue.DictValue} in insertion order with their lookup, on their own
 * because the lookup switches from scanning to a hash index as the dict grows.
 */
final class DictKeys {
  /**
   * Dicts up to this size find keys by scanning: records are small dicts, and a hash index per dict
   * was a fifth of the memory of a record as read.
   */
  private static final int SCAN_LIMIT = 8;

  private final List<PtValue> keys = new ArrayList<>();
  private Map<Object, Integer> index; // made when the dict outgrows SCAN_LIMIT

  /** Where the key with this {@link Values#hashKey} is, or -1. */
  int indexOf(Object hashKey) {
    if (index != null) {
      Integer at = index.get(hashKey);
      return at == null ? -1 : at;
    }
    for (int i = 0; i < keys.size(); i++) {
      if (Values.hashKey(keys.get(i)).equals(hashKey)) {
        return i;
      }
    }
    return -1;
  }

  /** Appends a key that {@link #indexOf} did not find. */
  void add(Object hashKey, PtValue key) {
    if (index != null) {
      index.put(hashKey, keys.size());
    }
    keys.add(key);
    if (index == null && keys.size() > SCAN_LIMIT) {
      index = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        index.putIfAbsent(Values.hashKey(keys.get(i)), i);
      }
    }
  }

  int size() {
    return keys.size();
  }

  PtValue get(int i) {
    return keys.get(i);
  }

  /** The keys, for callers that do not change them. */
  List<PtValue> list() {
    return keys;
  }
}
