package dev.splitflow.split;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtValue;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Computing and checking {@code stratification_indices.json} from batch files, wherever they live:
 * the pipeline's driver opens them through Beam's FileSystems, the launch function through Cloud
 * Storage ranged reads. Only each file's directory and {@code data.pkl} are read.
 */
public final class IndicesScan {
  private IndicesScan() {}

  /**
   * A batch file as listed, in the order of {@link BatchOrder}.
   *
   * @param path full path or URI, what the indices file records and the pipeline opens
   * @param file the basename ({@code batch_3.pt})
   * @param bytes size
   * @param generation Cloud Storage generation, or null where the lister has none
   */
  public record Batch(String path, String file, long bytes, Long generation) {}

  /** Opens a batch for random access. */
  @FunctionalInterface
  public interface Opener {
    SeekableByteChannel open(Batch batch) throws IOException;
  }

  /**
   * What makes existing indices unfit for these batches and this configuration (empty when they
   * fit). Record counts are taken from the old indices where name and size agree, since they cannot
   * change without the size changing.
   */
  public static List<String> differences(IndicesFile old, List<Batch> batches, SplitConfig config) {
    try {
      return differences(old, batches, config, null);
    } catch (IOException e) {
      throw new IllegalStateException("no file is opened without an opener", e);
    }
  }

  /**
   * As above, and, with an {@code opener}, also compares each file's {@code data.pkl} (read, no
   * tensor bytes) with the fingerprint the indices recorded, where they recorded one: a batch
   * edited in place at the same size is found.
   */
  public static List<String> differences(
      IndicesFile old, List<Batch> batches, SplitConfig config, Opener opener) throws IOException {
    List<SourceFile> current = new ArrayList<>();
    long first = 0;
    for (Batch b : batches) {
      long records = SourceFile.UNKNOWN_RECORDS;
      String pkl = null;
      for (SourceFile s : old.sources()) {
        if (s.file().equals(b.file()) && s.bytes() == b.bytes()) {
          records = s.records();
          if (opener != null && s.pklSha256() != null) {
            pkl = fingerprint(b, opener);
          }
        }
      }
      current.add(
          new SourceFile(b.file(), b.path(), records, b.bytes(), b.generation(), first, pkl));
      first += Math.max(records, 0);
    }
    return old.differences(current, config);
  }

  /** SHA-256 of a batch's data.pkl (null for a legacy-format file). */
  static String fingerprint(Batch b, Opener opener) throws IOException {
    try (SeekableByteChannel ch = opener.open(b)) {
      return PtFile.pickleSha256(ch, b.path());
    }
  }

  /** Scans every batch with up to {@code threads} at once, then plans. */
  public static IndicesFile compute(
      List<Batch> batches, SplitConfig config, Opener opener, int threads) throws IOException {
    if (batches.isEmpty()) {
      throw new SplitException("no batch files to split");
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(threads, batches.size())));
    try {
      List<Future<List<RecordInfo>>> scans = new ArrayList<>();
      List<Future<String>> fingerprints = new ArrayList<>();
      for (Batch b : batches) {
        scans.add(pool.submit(() -> scan(b, config, opener)));
        fingerprints.add(pool.submit(() -> fingerprint(b, opener)));
      }
      List<RecordInfo> all = new ArrayList<>();
      List<SourceFile> sources = new ArrayList<>();
      for (int i = 0; i < batches.size(); i++) {
        Batch b = batches.get(i);
        List<RecordInfo> local = await(scans.get(i));
        long first = all.size();
        for (RecordInfo r : local) {
          all.add(new RecordInfo(first + r.globalIndex(), r.identity(), r.stratum(), r.group()));
        }
        sources.add(
            new SourceFile(
                b.file(),
                b.path(),
                local.size(),
                b.bytes(),
                b.generation(),
                first,
                await(fingerprints.get(i))));
      }
      if (all.isEmpty()) {
        throw new SplitException("the " + batches.size() + " batch files hold no records");
      }
      return IndicesFile.of(Planner.plan(all, config), sources);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Stratum and group of every record of one batch; global indices here are file positions. The
   * records are read one at a time, so a scan holds one batch's small record infos, not its
   * records.
   */
  private static List<RecordInfo> scan(Batch b, SplitConfig config, Opener opener)
      throws IOException {
    return scan(b, config, opener, (record, identity) -> {});
  }

  /** What else a scan takes from each record, with its identity ({@code file#position}). */
  @FunctionalInterface
  interface EachRecord {
    void accept(PtValue record, String identity);
  }

  /** {@link #scan(Batch, SplitConfig, Opener)}, handing each record to {@code each} as well. */
  static List<RecordInfo> scan(Batch b, SplitConfig config, Opener opener, EachRecord each)
      throws IOException {
    try (SeekableByteChannel ch = opener.open(b)) {
      List<RecordInfo> out = new ArrayList<>();
      // A batch has a handful of strata and a few records per group: keep one copy of each, not
      // one per record (they are most of what the planner holds for 100,000 records).
      Map<Stratum, Stratum> strata = new HashMap<>();
      Map<String, String> groups = new HashMap<>();
      PtFile.forEachRecord(
          ch,
          b.path(),
          (i, record) -> {
            String identity = b.file() + "#" + i;
            RecordInfo r = RecordInfos.extract(record, config, i, identity);
            Stratum stratum = strata.computeIfAbsent(r.stratum(), k -> k);
            String group = r.group() == null ? null : groups.computeIfAbsent(r.group(), k -> k);
            out.add(new RecordInfo(r.globalIndex(), r.identity(), stratum, group));
            each.accept(record, identity);
          });
      return out;
    }
  }

  /** The result of a scan task, its failure rethrown as the scan's own. */
  static <T> T await(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while scanning batch files", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause);
    }
  }
}
