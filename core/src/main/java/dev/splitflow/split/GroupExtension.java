package dev.splitflow.split;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;

/**
 * Group mode of an extension: a new record of a group with kept records joins that group's split;
 * the new groups are placed by {@link Planner}'s greedy rule, starting from the counts of the
 * records already placed.
 */
final class GroupExtension {
  private GroupExtension() {}

  private static final int K = 3;

  /**
   * Fills {@code splitOf} for every record still at -1.
   *
   * @return the number of groups in the new version
   * @throws SplitException if a group's kept records are in two splits (its records changed since
   *     the previous version)
   */
  static long assign(
      RecordInfo[] recs,
      long seed,
      int[] stratumOf,
      long[] rank,
      long[] global,
      long[] perStratum,
      BigInteger[] w,
      long[] targets,
      byte[] splitOf) {
    int n = recs.length;
    Map<String, Integer> home = new HashMap<>(); // group -> record of it that fixed its split
    for (int i = 0; i < n; i++) {
      String g = recs[i].group();
      if (g == null || splitOf[i] < 0) {
        continue;
      }
      Integer other = home.putIfAbsent(g, i);
      if (other != null && splitOf[other] != splitOf[i]) {
        throw new SplitException(
            "group '"
                + g
                + "' has records of the previous version in "
                + Split.values()[splitOf[other]].jsonName()
                + " ("
                + recs[other].identity()
                + ") and in "
                + Split.values()[splitOf[i]].jsonName()
                + " ("
                + recs[i].identity()
                + "): these records changed since the previous version, so it cannot be kept"
                + " whole without moving one");
      }
    }
    long[][] placed = new long[perStratum.length][K];
    long groups = home.size();
    int free = 0;
    for (int i = 0; i < n; i++) {
      String g = recs[i].group();
      if (splitOf[i] < 0 && g != null && home.containsKey(g)) {
        splitOf[i] = splitOf[home.get(g)];
      }
      if (splitOf[i] >= 0) {
        placed[stratumOf[i]][splitOf[i]]++;
        if (g == null) {
          groups++; // a kept record without a group value is a group of its own
        }
      } else {
        free++;
      }
    }
    RecordInfo[] freeRecs = new RecordInfo[free];
    int[] freeStratum = new int[free];
    long[] freeRank = new long[free];
    long[] freeGlobal = new long[free];
    int[] where = new int[free];
    for (int i = 0, j = 0; i < n; i++) {
      if (splitOf[i] < 0) {
        freeRecs[j] = recs[i];
        freeStratum[j] = stratumOf[i];
        freeRank[j] = rank[i];
        freeGlobal[j] = global[i];
        where[j++] = i;
      }
    }
    byte[] freeSplit = new byte[free];
    if (free > 0) {
      groups +=
          GroupAssignment.assign(
              freeRecs,
              seed,
              freeStratum,
              freeRank,
              freeGlobal,
              perStratum,
              w,
              targets,
              freeSplit,
              placed);
    }
    for (int j = 0; j < free; j++) {
      splitOf[where[j]] = freeSplit[j];
    }
    return groups;
  }
}
