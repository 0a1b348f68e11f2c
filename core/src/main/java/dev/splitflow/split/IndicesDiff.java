package dev.splitflow.split;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The comparison of an {@link IndicesFile} with the run at hand, kept apart from the value so the
 * rules for what makes indices stale (config, then files by basename) read in one place.
 */
final class IndicesDiff {
  private IndicesDiff() {}

  /** What {@link IndicesFile#differences(List, SplitConfig)} documents. */
  static List<String> differences(IndicesFile file, List<SourceFile> current, SplitConfig cfg) {
    List<String> out = new ArrayList<>();
    configDifferences(file.config(), file.rankFunction(), cfg, out);
    fileDifferences(file.sources(), current, out);
    return out;
  }

  private static void configDifferences(
      SplitConfig mine, String rankFunction, SplitConfig cfg, List<String> out) {
    if (mine.seed() != cfg.seed()) {
      out.add("seed: indices have " + mine.seed() + ", run asks for " + cfg.seed());
    }
    if (!mine.ratios().equals(cfg.ratios())) {
      out.add("ratios: indices have " + mine.ratios() + ", run asks for " + cfg.ratios());
    }
    if (!mine.strataFields().equals(cfg.strataFields())) {
      out.add(
          "strata fields: indices have "
              + fieldList(mine.strataFields())
              + ", run asks for "
              + fieldList(cfg.strataFields()));
    }
    if (!Objects.equals(mine.groupBy(), cfg.groupBy())) {
      out.add(
          "group by: indices have "
              + (mine.groupBy() == null ? "none" : mine.groupBy())
              + ", run asks for "
              + (cfg.groupBy() == null ? "none" : cfg.groupBy()));
    }
    if (mine.chunkSize() != cfg.chunkSize()) {
      out.add("chunk size: indices have " + mine.chunkSize() + ", run asks for " + cfg.chunkSize());
    }
    if (!rankFunction.equals(IndicesFile.RANK_FUNCTION)) {
      out.add(
          "rank function: indices were made with \""
              + rankFunction
              + "\", this version uses \""
              + IndicesFile.RANK_FUNCTION
              + "\"");
    }
  }

  private static void fileDifferences(
      List<SourceFile> sources, List<SourceFile> current, List<String> out) {
    Map<String, SourceFile> before = new LinkedHashMap<>();
    for (SourceFile s : sources) {
      before.put(s.file(), s);
    }
    Map<String, Integer> seen = new HashMap<>();
    List<String> fileChanges = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    boolean countsKnown = true;
    for (SourceFile now : current) {
      countsKnown &= now.records() != SourceFile.UNKNOWN_RECORDS;
      if (seen.merge(now.file(), 1, Integer::sum) == 2) {
        fileChanges.add(now.file() + ": listed more than once in the input");
        continue;
      }
      SourceFile was = before.get(now.file());
      if (was == null) {
        fileChanges.add(now.file() + ": new file, not in the indices");
        continue;
      }
      sameFileDifferences(was, now, fileChanges);
      if (now.firstIndex() != was.firstIndex()) {
        moved.add(
            now.file()
                + ": first index: indices have "
                + was.firstIndex()
                + ", input has "
                + now.firstIndex()
                + " (files are in a different order)");
      }
    }
    for (SourceFile was : sources) {
      if (!seen.containsKey(was.file())) {
        fileChanges.add(was.file() + ": in the indices, not in the input");
      }
    }
    out.addAll(fileChanges);
    // A shifted first index follows from any change above; alone, it means a different order.
    if (fileChanges.isEmpty() && countsKnown) {
      out.addAll(moved);
    }
  }

  /** How one batch file, known by the same basename on both sides, has changed. */
  private static void sameFileDifferences(SourceFile was, SourceFile now, List<String> out) {
    if (now.records() != SourceFile.UNKNOWN_RECORDS && now.records() != was.records()) {
      out.add(
          now.file() + ": records: indices have " + was.records() + ", input has " + now.records());
    }
    if (now.bytes() != was.bytes()) {
      out.add(now.file() + ": bytes: indices have " + was.bytes() + ", input has " + now.bytes());
    }
    // Generations are compared only where both sides know one: Beam's listing has none.
    if (now.generation() != null
        && was.generation() != null
        && !now.generation().equals(was.generation())) {
      out.add(
          now.file()
              + ": generation: indices have "
              + (was.generation() == null ? "none" : was.generation())
              + ", input has "
              + (now.generation() == null ? "none" : now.generation()));
    }
    // The content of data.pkl (what each record's stratum and group come from), where both sides
    // read it: an in-place edit keeps name and size.
    if (now.pklSha256() != null
        && was.pklSha256() != null
        && !now.pklSha256().equals(was.pklSha256())) {
      out.add(
          now.file()
              + ": content: its data.pkl changed since the indices were made (SHA-256 "
              + was.pklSha256().substring(0, 12)
              + "... -> "
              + now.pklSha256().substring(0, 12)
              + "...), though name and size are the same");
    }
  }

  private static String fieldList(List<String> fields) {
    return fields.isEmpty() ? "none" : String.join(",", fields);
  }
}
