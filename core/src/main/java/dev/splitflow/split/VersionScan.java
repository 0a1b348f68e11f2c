package dev.splitflow.split;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link IndicesScan#compute} for dataset versions: also takes each record's keyed id hash ({@code
 * --idField}) and, given the previous version's indices ({@code --previousIndices}), plans with
 * {@link Extension} instead of {@link Planner}. Reads only each file's directory and {@code
 * data.pkl}, one record at a time.
 */
public final class VersionScan {
  private VersionScan() {}

  /**
   * The previous version: its parsed indices and {@code sha256:<hex>} of its bytes.
   *
   * @param where its path, for messages
   */
  public record Previous(IndicesFile indices, String digest, String where) {}

  /** The new indices and one line per previous batch file whose records are (partly) gone. */
  public record Result(IndicesFile indices, List<String> notes) {}

  /**
   * @param idField the id field, or null to know records by batch file and position
   * @param previous the version to extend, or null for a fresh plan
   */
  public static Result compute(
      List<IndicesScan.Batch> batches,
      SplitConfig config,
      String idField,
      Previous previous,
      IndicesScan.Opener opener,
      int threads)
      throws IOException {
    if (batches.isEmpty()) {
      throw new SplitException("no batch files to split");
    }
    if (previous != null) {
      List<String> differ = Extension.settingsDiffer(previous.indices(), config, idField);
      if (!differ.isEmpty()) {
        throw refused(previous.where(), differ);
      }
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(threads, batches.size())));
    try {
      List<Future<Scanned>> scans = new ArrayList<>();
      List<Future<String>> fingerprints = new ArrayList<>();
      for (IndicesScan.Batch b : batches) {
        scans.add(pool.submit(() -> scan(b, config, idField, opener)));
        fingerprints.add(pool.submit(() -> IndicesScan.fingerprint(b, opener)));
      }
      List<Scanned> scanned = new ArrayList<>();
      long records = 0;
      for (Future<Scanned> f : scans) {
        scanned.add(IndicesScan.await(f));
        records += scanned.get(scanned.size() - 1).infos.size();
      }
      if (records > Planner.MAX_RECORDS) {
        throw new SplitException(
            "too many records for one plan: " + records + " > " + Planner.MAX_RECORDS);
      }
      List<RecordInfo> all = new ArrayList<>((int) records);
      List<SourceFile> sources = new ArrayList<>();
      long[] ids = idField == null ? null : new long[(int) records];
      for (int i = 0; i < batches.size(); i++) {
        IndicesScan.Batch b = batches.get(i);
        Scanned local = scanned.get(i);
        int first = all.size();
        for (RecordInfo r : local.infos) {
          all.add(new RecordInfo(first + r.globalIndex(), r.identity(), r.stratum(), r.group()));
        }
        if (ids != null) {
          System.arraycopy(local.ids, 0, ids, first, local.ids.length);
        }
        sources.add(
            new SourceFile(
                b.file(),
                b.path(),
                local.infos.size(),
                b.bytes(),
                b.generation(),
                first,
                IndicesScan.await(fingerprints.get(i))));
      }
      if (all.isEmpty()) {
        throw new SplitException("the " + batches.size() + " batch files hold no records");
      }
      IndicesFile out;
      List<String> notes = List.of();
      if (previous == null) {
        out = IndicesFile.of(Planner.plan(all, config), sources);
      } else {
        Extension.Result ext =
            Extension.plan(all, ids, idField, config, previous.indices(), previous.digest());
        out = IndicesFile.of(ext.plan(), sources).withLineage(ext.lineage());
        notes = ext.notes();
      }
      if (idField != null) {
        out = out.withIds(new IndicesFile.IdHashes(idField, ids));
      }
      return new Result(out, notes);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The refusal when the previous version was made with other settings, naming each. */
  public static SplitException refused(String where, List<String> differ) {
    return new SplitException(
        where
            + " was made with other settings, and an extension must keep them: "
            + String.join("; ", differ)
            + ". Run with the previous version's settings, or split from scratch without"
            + " --previousIndices.");
  }

  private record Scanned(List<RecordInfo> infos, long[] ids) {}

  private static Scanned scan(
      IndicesScan.Batch b, SplitConfig config, String idField, IndicesScan.Opener opener)
      throws IOException {
    List<Long> ids = new ArrayList<>();
    RecordIds rid = idField == null ? null : new RecordIds(idField, config.seed());
    List<RecordInfo> infos =
        IndicesScan.scan(
            b,
            config,
            opener,
            (record, identity) -> {
              if (rid != null) {
                ids.add(rid.of(record, identity));
              }
            });
    return new Scanned(infos, ids.stream().mapToLong(Long::longValue).toArray());
  }
}
