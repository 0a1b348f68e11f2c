package dev.splitflow.split;

import static dev.splitflow.split.SplitTestData.stratum;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random datasets and their next versions for the {@link Extension} tests: batch files of records
 * with strata, groups and ids, grown by new files (also ones that sort before the old files),
 * appended records, new strata and groups, removed and shortened files, and records moved between
 * files.
 */
final class GrowingDatasets {
  private GrowingDatasets() {}

  /** One record of a synthetic dataset: stratum number, group (null: own group) and id value. */
  record Rec(int stratum, String group, String id) {}

  /** A dataset version: batch file name to its records in file order. */
  static final class Dataset {
    final Map<String, List<Rec>> files = new LinkedHashMap<>();
    List<RecordInfo> infos;
    long[] ids;
    Map<String, Long> globalOfKey = new HashMap<>(); // "file#pos" or "id:" + id -> global index

    Dataset copy() {
      Dataset d = new Dataset();
      files.forEach((f, rs) -> d.files.put(f, new ArrayList<>(rs)));
      return d;
    }

    /** Numbers the records in BatchOrder order; record keys by identity or by id. */
    void number(String idField, long seed) {
      infos = new ArrayList<>();
      List<Long> hashes = new ArrayList<>();
      globalOfKey = new HashMap<>();
      RecordIds rid = idField == null ? null : new RecordIds(idField, seed);
      long g = 0;
      for (String f : BatchOrder.sort(new ArrayList<>(files.keySet()))) {
        List<Rec> rs = files.get(f);
        for (int p = 0; p < rs.size(); p++, g++) {
          Rec r = rs.get(p);
          infos.add(new RecordInfo(g, f + "#" + p, stratum(r.stratum), r.group));
          globalOfKey.put(idField == null ? f + "#" + p : "id:" + r.id, g);
          if (rid != null) {
            hashes.add(rid.hash(r.id));
          }
        }
      }
      ids = rid == null ? null : hashes.stream().mapToLong(Long::longValue).toArray();
    }

    List<SourceFile> sources() {
      List<SourceFile> out = new ArrayList<>();
      long g = 0;
      for (String f : BatchOrder.sort(new ArrayList<>(files.keySet()))) {
        int n = files.get(f).size();
        out.add(new SourceFile(f, "/data/" + f, n, 1000 + n, null, g));
        g += n;
      }
      return out;
    }
  }

  private static int nextId = 0;

  static Rec rec(Random r, int strata, int groups, boolean grouped) {
    String group = grouped && r.nextInt(8) != 0 ? "p" + r.nextInt(groups) : null;
    return new Rec(r.nextInt(strata), group, "dicom-" + (nextId++));
  }

  static Dataset first(Random r, boolean grouped) {
    Dataset d = new Dataset();
    int strata = 1 + r.nextInt(6);
    int groups = 1 + r.nextInt(60);
    int files = 1 + r.nextInt(6);
    for (int f = 1; f <= files; f++) {
      List<Rec> rs = new ArrayList<>();
      int n = r.nextInt(10) == 0 ? 1 + r.nextInt(3) : 1 + r.nextInt(120);
      for (int i = 0; i < n; i++) {
        rs.add(rec(r, strata, groups, grouped));
      }
      d.files.put("batch_" + f + ".pt", rs);
    }
    return d;
  }

  /** A random mix of growth patterns; {@code moves} only where records are known by id. */
  static Dataset grow(Dataset v1, Random r, boolean grouped, boolean moves) {
    Dataset d = v1.copy();
    int strata = 1 + r.nextInt(9); // may add new strata
    int groups = 1 + r.nextInt(90); // may add new groups and records of old ones
    List<String> names = new ArrayList<>(d.files.keySet());
    if (r.nextBoolean()) { // new batch files, some sorting before the old ones
      int add = 1 + r.nextInt(3);
      for (int i = 0; i < add; i++) {
        String name =
            r.nextBoolean() ? "batch_" + (100 + r.nextInt(900)) + ".pt" : "batch_0_" + i + ".pt";
        List<Rec> rs = new ArrayList<>();
        int n = 1 + r.nextInt(r.nextBoolean() ? 10 : 150);
        for (int j = 0; j < n; j++) {
          rs.add(rec(r, strata, groups, grouped));
        }
        d.files.putIfAbsent(name, rs);
      }
    }
    if (r.nextBoolean()) { // appended records
      for (String f : names) {
        if (r.nextBoolean()) {
          int n = 1 + r.nextInt(40);
          for (int j = 0; j < n; j++) {
            d.files.get(f).add(rec(r, strata, groups, grouped));
          }
        }
      }
    }
    if (r.nextInt(4) == 0 && names.size() > 1) { // a removed file
      d.files.remove(names.get(r.nextInt(names.size())));
    }
    if (r.nextInt(4) == 0) { // a shortened file
      List<Rec> rs = d.files.get(names.get(r.nextInt(names.size())));
      if (rs != null && rs.size() > 1) {
        rs.subList(r.nextInt(rs.size()), rs.size()).clear();
      }
    }
    if (moves && r.nextBoolean()) { // re-batched: records change files, keep their ids
      List<Rec> all = new ArrayList<>();
      d.files.values().forEach(all::addAll);
      Collections.shuffle(all, r);
      int i = 0;
      for (List<Rec> rs : d.files.values()) {
        int n = rs.size();
        rs.clear();
        rs.addAll(all.subList(i, i + n));
        i += n;
      }
    }
    if (d.files.values().stream().allMatch(List::isEmpty)) {
      d.files.put("batch_999.pt", new ArrayList<>(List.of(rec(r, strata, groups, grouped))));
    }
    d.files.values().removeIf(List::isEmpty);
    return d;
  }

  static String keyOf(Dataset d, String file, int pos, Rec rec, boolean byId) {
    return byId ? "id:" + rec.id : file + "#" + pos;
  }
}
