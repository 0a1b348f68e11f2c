package dev.splitflow.split;

import java.util.Objects;

/**
 * What the planner needs to know about one record.
 *
 * @param globalIndex the record's position across all batch files in {@link BatchOrder} order; the
 *     number the indices file lists
 * @param identity a name for the record that does not depend on how the input is ordered or
 *     numbered, {@code "<batch file basename>#<position in file>"} (e.g. {@code batch_3.pt#17});
 *     the hashes that rank and order records are taken of it
 * @param stratum the record's stratum
 * @param group the record's group id in group mode, or null when the record is its own group (no
 *     group-by field configured, or the field holds None)
 */
public record RecordInfo(long globalIndex, String identity, Stratum stratum, String group) {
  public RecordInfo {
    if (globalIndex < 0) {
      throw new IllegalArgumentException("global index must be >= 0, got " + globalIndex);
    }
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(stratum, "stratum");
  }
}
