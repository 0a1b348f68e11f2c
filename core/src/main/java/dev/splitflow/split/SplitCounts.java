package dev.splitflow.split;

/** A whole number per split: records planned for each split, or a deviation from a target. */
public record SplitCounts(long train, long val, long test) {

  public static SplitCounts of(long[] bySplit) {
    if (bySplit.length != 3) {
      throw new IllegalArgumentException("expected 3 values, got " + bySplit.length);
    }
    return new SplitCounts(bySplit[0], bySplit[1], bySplit[2]);
  }

  public long get(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case VAL -> val;
      case TEST -> test;
    };
  }

  public long sum() {
    return train + val + test;
  }

  long[] toArray() {
    return new long[] {train, val, test};
  }
}
