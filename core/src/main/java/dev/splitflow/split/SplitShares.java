package dev.splitflow.split;

/**
 * A real number per split: a stratum's exact target share {@code n_s * r_k} (reported only; the
 * planner itself computes shares exactly as fractions, see {@link SplitRatios}).
 */
public record SplitShares(double train, double val, double test) {

  public static SplitShares of(double[] bySplit) {
    if (bySplit.length != 3) {
      throw new IllegalArgumentException("expected 3 values, got " + bySplit.length);
    }
    return new SplitShares(bySplit[0], bySplit[1], bySplit[2]);
  }

  public double get(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case VAL -> val;
      case TEST -> test;
    };
  }
}
