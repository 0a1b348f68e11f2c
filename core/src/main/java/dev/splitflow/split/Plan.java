package dev.splitflow.split;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The result of {@link Planner#plan}: for each split, the global indices of its records in chunk
 * order, with how well the split matches the ratios. Immutable.
 *
 * <p>Chunk {@code j} of a split holds entries {@code j*C .. j*C+C-1} of its list ({@code C} the
 * chunk size); the last chunk may be shorter. A split with no records has no chunks.
 */
public final class Plan {
  private final SplitConfig config;
  private final long[][] indices;
  private final SplitCounts targets;
  private final List<StratumStats> strata;
  private final Long groups;
  private final Deviation deviation;
  private volatile Lookup lookup;

  Plan(
      SplitConfig config,
      long[][] indices,
      SplitCounts targets,
      List<StratumStats> strata,
      Long groups,
      Deviation deviation) {
    this.config = Objects.requireNonNull(config);
    this.indices = indices;
    this.targets = targets;
    this.strata = List.copyOf(strata);
    this.groups = groups;
    this.deviation = deviation;
  }

  public SplitConfig config() {
    return config;
  }

  /** The number of records planned, N. */
  public long recordCount() {
    return (long) indices[0].length + indices[1].length + indices[2].length;
  }

  /** The split's global indices in chunk order (a copy). */
  public long[] indices(Split split) {
    return indices[split.ordinal()].clone();
  }

  /** The split's global indices in chunk order, as an unmodifiable view. */
  public List<Long> indexList(Split split) {
    return view(indices[split.ordinal()], 0, indices[split.ordinal()].length);
  }

  /** Records per split. */
  public SplitCounts totals() {
    return new SplitCounts(indices[0].length, indices[1].length, indices[2].length);
  }

  /**
   * Each split's largest-remainder quota of N; equal to {@link #totals()} except in group mode,
   * where whole groups may not add up to it.
   */
  public SplitCounts targets() {
    return targets;
  }

  /** One entry per stratum, in stratum key order. */
  public List<StratumStats> strata() {
    return strata;
  }

  /** The number of groups (a record whose group value is None counts as one), in group mode. */
  public OptionalLong groups() {
    return groups == null ? OptionalLong.empty() : OptionalLong.of(groups);
  }

  /** How far the split is from the ratios, in group mode. */
  public Optional<Deviation> deviation() {
    return Optional.ofNullable(deviation);
  }

  /** Chunks in the split: {@code ceil(total / chunkSize)}. */
  public int chunkCount(Split split) {
    int c = config.chunkSize();
    return (indices[split.ordinal()].length + c - 1) / c;
  }

  /** The split's chunks, each the global indices of its records in order. */
  public List<List<Long>> chunks(Split split) {
    long[] all = indices[split.ordinal()];
    int c = config.chunkSize();
    int count = chunkCount(split);
    return new AbstractList<>() {
      @Override
      public List<Long> get(int j) {
        Objects.checkIndex(j, count);
        return view(all, j * c, Math.min(all.length, j * c + c));
      }

      @Override
      public int size() {
        return count;
      }
    };
  }

  /**
   * Where the record with this global index goes, or empty if it is not in the plan. The first call
   * builds a sorted index of all records (12 bytes a record); later calls are binary searches.
   */
  public Optional<Placement> placement(long globalIndex) {
    Lookup l = lookup;
    if (l == null) {
      synchronized (this) {
        l = lookup;
        if (l == null) {
          l = new Lookup(indices);
          lookup = l;
        }
      }
    }
    int at = Arrays.binarySearch(l.sorted, globalIndex);
    if (at < 0) {
      return Optional.empty();
    }
    int where = l.where[at];
    int pos = where & 0x3FFFFFFF;
    int c = config.chunkSize();
    return Optional.of(new Placement(Split.values()[where >>> 30], pos / c, pos % c));
  }

  /** Global indices sorted, with each one's split (top 2 bits) and position in its split. */
  private static final class Lookup {
    final long[] sorted;
    final int[] where;

    Lookup(long[][] indices) {
      int n = indices[0].length + indices[1].length + indices[2].length;
      int[] ids = new int[n];
      long[] flat = new long[n];
      int[] code = new int[n];
      int i = 0;
      for (int k = 0; k < 3; k++) {
        for (int p = 0; p < indices[k].length; p++, i++) {
          ids[i] = i;
          flat[i] = indices[k][p];
          code[i] = (k << 30) | p;
        }
      }
      IntSort.sort(ids, (a, b) -> Long.compare(flat[a], flat[b]));
      sorted = new long[n];
      where = new int[n];
      for (int j = 0; j < n; j++) {
        sorted[j] = flat[ids[j]];
        where[j] = code[ids[j]];
      }
    }
  }

  private static List<Long> view(long[] a, int from, int to) {
    return new AbstractList<>() {
      @Override
      public Long get(int i) {
        Objects.checkIndex(i, to - from);
        return a[from + i];
      }

      @Override
      public int size() {
        return to - from;
      }
    };
  }

  long[] rawIndices(Split split) {
    return indices[split.ordinal()];
  }

  @Override
  public String toString() {
    return "Plan[records="
        + recordCount()
        + ", totals="
        + totals()
        + ", strata="
        + strata.size()
        + (groups == null ? "" : ", groups=" + groups)
        + "]";
  }
}
