package dev.splitflow.split;

/**
 * How one stratum was split.
 *
 * @param stratum the stratum
 * @param count its records, {@code n_s}
 * @param target its exact share per split, {@code n_s * r_k}
 * @param achieved the records it got per split; outside group mode each within one of the target
 */
public record StratumStats(Stratum stratum, long count, SplitShares target, SplitCounts achieved) {}
