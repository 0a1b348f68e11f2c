package dev.splitflow.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds each record of a new dataset version in the previous version: by batch basename and
 * position (the default identity), or by the keyed hash of an id field.
 */
final class RecordMatch {
  private RecordMatch() {}

  /**
   * For each record, the previous version's global index of the same {@code <basename>#<position>},
   * or -1 when the previous version had no such record (a new file, or records appended to one).
   */
  static int[] byPosition(RecordInfo[] recs, IndicesFile previous) {
    Map<String, SourceFile> byFile = new HashMap<>();
    for (SourceFile s : previous.sources()) {
      byFile.put(s.file(), s);
    }
    int[] out = new int[recs.length];
    for (int i = 0; i < recs.length; i++) {
      out[i] = -1;
      String id = recs[i].identity();
      int hash = id.lastIndexOf('#');
      SourceFile was = hash < 0 ? null : byFile.get(id.substring(0, hash));
      if (was == null) {
        continue;
      }
      long pos;
      try {
        pos = Long.parseLong(id.substring(hash + 1));
      } catch (NumberFormatException e) {
        continue;
      }
      if (pos >= 0 && pos < was.records()) {
        out[i] = (int) (was.firstIndex() + pos);
      }
    }
    return out;
  }

  /**
   * For each record, the previous version's global index with the same id hash, or -1.
   *
   * @throws SplitException if two records of the new version have the same id
   */
  static int[] byId(RecordInfo[] recs, long[] ids, IndicesFile previous) {
    if (ids.length != recs.length) {
      throw new IllegalArgumentException(ids.length + " ids for " + recs.length + " records");
    }
    int[] mine = sortedBy(ids);
    for (int j = 1; j < mine.length; j++) {
      if (ids[mine[j]] == ids[mine[j - 1]]) {
        throw new SplitException(
            recs[mine[j - 1]].identity()
                + " and "
                + recs[mine[j]].identity()
                + " have the same id ("
                + previous.ids().field()
                + "); an id must name one record");
      }
    }
    long[] before = previous.ids().hashes();
    int[] theirs = sortedBy(before);
    int[] out = new int[recs.length];
    Arrays.fill(out, -1);
    for (int i = 0, j = 0; i < mine.length && j < theirs.length; ) {
      int c = Long.compareUnsigned(ids[mine[i]], before[theirs[j]]);
      if (c == 0) {
        out[mine[i]] = theirs[j];
        i++;
        j++;
      } else if (c < 0) {
        i++;
      } else {
        j++;
      }
    }
    return out;
  }

  private static int[] sortedBy(long[] keys) {
    int[] ids = new int[keys.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    IntSort.sort(ids, (a, b) -> Long.compareUnsigned(keys[a], keys[b]));
    return ids;
  }

  /** One line per previous batch file some of whose records are gone, by first index. */
  static List<String> removedNotes(IndicesFile previous, boolean[] matched) {
    List<String> notes = new ArrayList<>();
    for (SourceFile s : previous.sources()) {
      long gone = 0;
      for (long g = s.firstIndex(); g < s.firstIndex() + s.records(); g++) {
        gone += matched[(int) g] ? 0 : 1;
      }
      if (gone == s.records()) {
        notes.add(
            s.file()
                + ": all "
                + gone
                + " records of the previous version are gone from the input");
      } else if (gone > 0) {
        notes.add(
            s.file()
                + ": "
                + gone
                + " of its "
                + s.records()
                + " records of the previous version are gone from the input");
      }
    }
    return notes;
  }
}
