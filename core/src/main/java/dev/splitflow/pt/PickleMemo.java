package dev.splitflow.pt;

import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The pickle machine's memo, bounded by {@link PtLimits#MAX_MEMO}. When streaming it keeps only the
 * ids the pickle reads back ({@link MemoPrescan#memoReads}), yet numbers MEMOIZE entries as Python
 * does, by every id defined: so a record handed out is not held by the memo unless a later opcode
 * refers to it.
 */
final class PickleMemo {
  private final PickleInput at;
  private final Map<Long, Object> memo = new HashMap<>();
  private final MemoIds defined = new MemoIds();

  /** Memo ids worth keeping (the ones the pickle reads back), or null for all. */
  private Set<Long> kept;

  /**
   * @param at where errors are placed
   */
  PickleMemo(PickleInput at) {
    this.at = at;
  }

  /** Empties the memo for a new pickle that keeps only {@code keep} (null: every id). */
  void reset(Set<Long> keep) {
    memo.clear();
    defined.clear();
    kept = keep;
  }

  /** The id MEMOIZE stores under: the number of ids defined so far, as Python's len(memo). */
  long nextId() {
    return defined.count();
  }

  /** Stores {@code value} under {@code id}; returns whether it was kept (an id read back). */
  boolean put(long id, Object value) {
    defined.add(id);
    if (defined.sparseCount() > PtLimits.MAX_MEMO) {
      throw at.error(
          "defines more than "
              + PtLimits.MAX_MEMO
              + " memo ids above 2^26"
              + PtLimits.raise("splitflow.pt.maxMemo", PtLimits.MAX_MEMO));
    }
    if (kept != null && !kept.contains(id)) {
      return false;
    }
    if (memo.size() >= PtLimits.MAX_MEMO && !memo.containsKey(id)) {
      throw at.error(
          "more than "
              + PtLimits.MAX_MEMO
              + " memo entries"
              + PtLimits.raise("splitflow.pt.maxMemo", PtLimits.MAX_MEMO));
    }
    memo.put(id, value);
    return true;
  }

  Object get(long id) {
    Object o = memo.get(id);
    if (o == null) {
      throw at.error("memo id " + id + " was never stored");
    }
    return o;
  }

  /**
   * Which memo ids a pickle defines, so MEMOIZE numbers entries as Python's {@code len(memo)} does
   * when only some entries are kept.
   */
  private static final class MemoIds {
    /** Ids are dense from 0 in real pickles; a bit set past this size would be a memory bomb. */
    private static final long DENSE = 1L << 26;

    private final BitSet dense = new BitSet();
    private final Set<Long> sparse = new HashSet<>();
    private long count;

    void add(long id) {
      if (id < DENSE) {
        if (!dense.get((int) id)) {
          dense.set((int) id);
          count++;
        }
      } else if (sparse.add(id)) {
        count++;
      }
    }

    long count() {
      return count;
    }

    long sparseCount() {
      return sparse.size();
    }

    void clear() {
      dense.clear();
      sparse.clear();
      count = 0;
    }
  }
}
