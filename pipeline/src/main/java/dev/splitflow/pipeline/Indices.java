package dev.splitflow.pipeline;

import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The indices step, run before the pipeline: reuse {@code stratification_indices.json} when it
 * matches the batch files and options, else (when missing, or when asked to) scan every batch's
 * metadata in parallel, plan, and write it.
 */
final class Indices {
  private Indices() {}

  /**
   * Threads that open remote batch files at once: each scan is a few ranged reads that mostly wait
   * on the network.
   */
  static final int REMOTE_SCAN_THREADS = 16;

  /** The indices in force for this run, and whether they were computed now. */
  record Result(
      IndicesFile indices, String path, boolean computed, String sha256, List<String> notes) {
    Result(IndicesFile indices, String path, boolean computed, String sha256) {
      this(indices, path, computed, sha256, List.of());
    }
  }

  /**
   * Dataset versions: the indices of the version to extend ({@code --previousIndices}) and the id
   * field records are known by ({@code --idField}); either may be null.
   */
  record Versioning(String previousPath, String idField) {
    static final Versioning NONE = new Versioning(null, null);

    boolean any() {
      return previousPath != null || idField != null;
    }
  }

  /** A batch file found by the input pattern. */
  record Found(String path, String file, long bytes) {}

  static Result ensure(List<Found> batches, SplitConfig config, String path, boolean recompute)
      throws IOException {
    return ensure(batches, config, path, recompute, Versioning.NONE);
  }

  static Result ensure(
      List<Found> batches, SplitConfig config, String path, boolean recompute, Versioning v)
      throws IOException {
    if (v.any()) {
      return Versions.ensure(batches, config, path, recompute, v);
    }
    ResourceId file = BeamFiles.resolveFile(path);
    Optional<String> existing = BeamFiles.readText(file);
    if (existing.isPresent()) {
      IndicesFile old = IndicesFile.parse(existing.get(), path);
      List<String> changes =
          IndicesScan.differences(
              old, scanInput(batches), config, b -> BeamFiles.openSeekable(b.path()));
      if (changes.isEmpty()) {
        return new Result(
            old, path, false, sha256(existing.get().getBytes(StandardCharsets.UTF_8)));
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
    byte[] bytes = computed.toJsonBytes();
    BeamFiles.writeAtomically(file, bytes);
    return new Result(computed, path, true, sha256(bytes));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static IndicesFile compute(List<Found> batches, SplitConfig config) throws IOException {
    return IndicesScan.compute(
        scanInput(batches),
        config,
        b -> BeamFiles.openSeekable(b.path()),
        scanThreads(batches, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * One scan thread per core for local files, where parsing is the work and every thread in flight
   * holds a whole data.pkl's records; more only where scans wait on a remote store.
   */
  static int scanThreads(List<Found> batches, int cores) {
    boolean allLocal =
        batches.stream().allMatch(b -> "file".equals(BeamFiles.resolveFile(b.path()).getScheme()));
    return allLocal ? Math.max(1, cores) : REMOTE_SCAN_THREADS;
  }

  /** Beam's match results carry no Cloud Storage generation, so none is compared here. */
  static List<IndicesScan.Batch> scanInput(List<Found> batches) {
    return batches.stream()
        .map(b -> new IndicesScan.Batch(b.path(), b.file(), b.bytes(), null))
        .toList();
  }
}
