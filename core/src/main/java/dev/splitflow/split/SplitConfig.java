package dev.splitflow.split;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that decides a plan besides the records themselves. Immutable; change it with the
 * {@code with...} methods, starting from {@link #defaults()}.
 *
 * <p>A strata field is either a plain field name, meaning the stratum uses the field's value, or
 * {@code has:NAME}, meaning the stratum uses whether field NAME is available: present, not None and
 * not empty (see {@link RecordInfos#isAvailable}).
 *
 * @param seed feeds every hash the planner ranks by; change it for a different split
 * @param ratios train/val/test fractions
 * @param strataFields the fields whose values (or availability) make a record's stratum, in order;
 *     empty means one stratum holding every record
 * @param groupBy a field whose value identifies a group (e.g. {@code subject_id}) that must never
 *     span two splits, or null for record-level splitting
 * @param chunkSize records per chunk file, {@code >= 1}
 */
public record SplitConfig(
    long seed, SplitRatios ratios, List<String> strataFields, String groupBy, int chunkSize) {

  public static final long DEFAULT_SEED = 42;
  public static final List<String> DEFAULT_STRATA_FIELDS =
      List.of("view_position", "has:clinical_features");
  public static final int DEFAULT_CHUNK_SIZE = 50;

  /** The prefix of a strata field that stratifies on availability instead of value. */
  public static final String HAS_PREFIX = "has:";

  public SplitConfig {
    Objects.requireNonNull(ratios, "ratios");
    Objects.requireNonNull(strataFields, "strataFields");
    strataFields = List.copyOf(strataFields);
    Set<String> seen = new HashSet<>();
    for (String f : strataFields) {
      String name = f.startsWith(HAS_PREFIX) ? f.substring(HAS_PREFIX.length()) : f;
      if (name.isBlank()) {
        throw new SplitException(
            "strata field '"
                + f
                + "': expected a field name or has:NAME, e.g. has:clinical_features");
      }
      if (!seen.add(f)) {
        throw new SplitException("strata field '" + f + "' is listed twice");
      }
    }
    if (groupBy != null && groupBy.isBlank()) {
      throw new SplitException("group-by field must be a field name, got '" + groupBy + "'");
    }
    if (chunkSize < 1) {
      throw new SplitException("chunk size must be at least 1, got " + chunkSize);
    }
  }

  /** Seed 42, 0.7/0.15/0.15, strata view_position and has:clinical_features, no groups, 50. */
  public static SplitConfig defaults() {
    return new SplitConfig(
        DEFAULT_SEED, SplitRatios.DEFAULT, DEFAULT_STRATA_FIELDS, null, DEFAULT_CHUNK_SIZE);
  }

  public SplitConfig withSeed(long seed) {
    return new SplitConfig(seed, ratios, strataFields, groupBy, chunkSize);
  }

  public SplitConfig withRatios(SplitRatios ratios) {
    return new SplitConfig(seed, ratios, strataFields, groupBy, chunkSize);
  }

  public SplitConfig withStrataFields(List<String> strataFields) {
    return new SplitConfig(seed, ratios, strataFields, groupBy, chunkSize);
  }

  /** {@code null} turns group mode off. */
  public SplitConfig withGroupBy(String groupBy) {
    return new SplitConfig(seed, ratios, strataFields, groupBy, chunkSize);
  }

  public SplitConfig withChunkSize(int chunkSize) {
    return new SplitConfig(seed, ratios, strataFields, groupBy, chunkSize);
  }

  public boolean groupMode() {
    return groupBy != null;
  }
}
