package dev.splitflow.split;

/**
 * How far a group-mode plan is from the proportions asked for; groups cannot be cut, so the split
 * totals and per-stratum counts are only as close as the group sizes allow.
 *
 * @param totalOff per split, {@code |total_k - T_k|} where {@code T_k} is the split's
 *     largest-remainder quota of all records
 * @param maxStratumOff the largest {@code |c_{s,k} - n_s * r_k|} over strata and splits
 */
public record Deviation(SplitCounts totalOff, double maxStratumOff) {}
