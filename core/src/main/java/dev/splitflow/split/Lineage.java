package dev.splitflow.split;

import java.util.List;

/**
 * How a dataset version relates to the version it extends ({@code --previousIndices}): stored in
 * the indices file's {@code metadata.lineage}.
 *
 * @param previousDigest {@code sha256:<hex>} of the previous indices file's bytes
 * @param previousRecords records in the previous version
 * @param kept per split, records of the previous version still in the input (all kept their split)
 * @param added per split, records new in this version
 * @param removed per split, records of the previous version no longer in the input
 * @param totalOff per split, {@code |total_k - T_k|}; 0 unless the previous version's records
 *     forbid the exact totals
 * @param strata per stratum of the new version, in key order
 * @param rewritten per split (train, val, test), the chunk numbers that are new or hold other
 *     records than the previous version's chunk of that number; every other chunk holds exactly the
 *     same records in the same order as before
 */
public record Lineage(
    String previousDigest,
    long previousRecords,
    SplitCounts kept,
    SplitCounts added,
    SplitCounts removed,
    SplitCounts totalOff,
    List<StratumChange> strata,
    List<List<Integer>> rewritten) {

  public Lineage {
    strata = List.copyOf(strata);
    rewritten = rewritten.stream().map(List::copyOf).toList();
    if (rewritten.size() != 3) {
      throw new IllegalArgumentException(
          "rewritten chunks: expected 3 lists, got " + rewritten.size());
    }
  }

  /** The split's new or changed chunk numbers. */
  public List<Integer> rewritten(Split split) {
    return rewritten.get(split.ordinal());
  }

  /**
   * One stratum's share of the extension.
   *
   * @param key the stratum key
   * @param kept its records of the previous version, per split
   * @param added its new records, per split
   * @param maxOff the largest {@code |c_{s,k} - n_s r_k|} over splits: below 1 whenever the kept
   *     records allow it, else the smallest the kept records allow, plus less than one
   */
  public record StratumChange(String key, SplitCounts kept, SplitCounts added, double maxOff) {}
}
