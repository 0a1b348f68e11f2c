package dev.splitflow.pipeline;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtValue;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Plan;
import dev.splitflow.split.Planner;
import dev.splitflow.split.RecordInfo;
import dev.splitflow.split.RecordInfos;
import dev.splitflow.split.SourceFile;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The indices step, run before the pipeline: reuse {@code stratification_indices.json} when it
 * matches the batch files and options, else (when missing, or when asked to) scan every batch's
 * metadata in parallel, plan, and write it.
 */
final class Indices {
  private Indices() {}

  /** Threads that open batch files at once; each reads only a directory and data.pkl. */
  static final int SCAN_THREADS = 16;

  /** The indices in force for this run, and whether they were computed now. */
  record Result(IndicesFile indices, String path, boolean computed) {}

  /** A batch file found by the input pattern. */
  record Found(String path, String file, long bytes) {}

  static Result ensure(List<Found> batches, SplitConfig config, String path, boolean recompute)
      throws IOException {
    ResourceId file = BeamFiles.resolveFile(path);
    Optional<String> existing = BeamFiles.readText(file);
    if (existing.isPresent()) {
      IndicesFile old = IndicesFile.parse(existing.get(), path);
      List<String> changes = old.differences(sourcesAsBefore(batches, old), config);
      if (changes.isEmpty()) {
        return new Result(old, path, false);
      }
      if (!recompute) {
        throw new SplitException(
            path
                + " does not match this run: "
                + String.join("; ", changes)
                + ". Delete it or pass --recomputeIndices to compute new indices.");
      }
    }
    IndicesFile computed = compute(batches, config);
    BeamFiles.writeAtomically(file, computed.toJson().getBytes(StandardCharsets.UTF_8));
    return new Result(computed, path, true);
  }

  /**
   * The current files described as the old indices saw them where name and size still agree (record
   * counts are only known after a scan, and cannot change without the size changing).
   */
  private static List<SourceFile> sourcesAsBefore(List<Found> batches, IndicesFile old) {
    List<SourceFile> out = new ArrayList<>();
    long first = 0;
    for (Found b : batches) {
      long records = -1;
      for (SourceFile s : old.sources()) {
        if (s.file().equals(b.file()) && s.bytes() == b.bytes()) {
          records = s.records();
        }
      }
      out.add(new SourceFile(b.file(), b.path(), records, b.bytes(), null, first));
      first += Math.max(records, 0);
    }
    return out;
  }

  static IndicesFile compute(List<Found> batches, SplitConfig config) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(SCAN_THREADS, batches.size()));
    try {
      List<Future<List<RecordInfo>>> scans = new ArrayList<>();
      for (Found b : batches) {
        scans.add(pool.submit(() -> scan(b, config)));
      }
      List<RecordInfo> all = new ArrayList<>();
      List<SourceFile> sources = new ArrayList<>();
      for (int i = 0; i < batches.size(); i++) {
        Found b = batches.get(i);
        List<RecordInfo> local = await(scans.get(i));
        long first = all.size();
        for (RecordInfo r : local) {
          all.add(new RecordInfo(first + r.globalIndex(), r.identity(), r.stratum(), r.group()));
        }
        sources.add(new SourceFile(b.file(), b.path(), local.size(), b.bytes(), null, first));
      }
      if (all.isEmpty()) {
        throw new SplitException("the " + batches.size() + " batch files hold no records");
      }
      Plan plan = Planner.plan(all, config);
      return IndicesFile.of(plan, sources);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Stratum and group of every record of one batch; global indices here are file positions. */
  private static List<RecordInfo> scan(Found b, SplitConfig config) throws IOException {
    try (SeekableByteChannel ch = BeamFiles.openSeekable(b.path())) {
      PtFile file = PtFile.open(ch, b.path());
      List<PtValue> records = file.records();
      List<RecordInfo> out = new ArrayList<>(records.size());
      for (int i = 0; i < records.size(); i++) {
        out.add(RecordInfos.extract(records.get(i), config, i, b.file() + "#" + i));
      }
      return out;
    }
  }

  private static <T> T await(Future<T> f) throws IOException {
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
