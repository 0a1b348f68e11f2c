package dev.splitflow.functions.indices;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.config.LaunchConfig;
import dev.splitflow.functions.config.Layout;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.ReadStats;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.split.Extension;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.VersionScan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The launch function's step between the marker and the job: makes sure the output folder's {@code
 * stratification_indices.json} matches the batch files (reused, computed here by ranged reads, or
 * left to the pipeline when there are too many files), or, for a dataset-version run, checks the
 * previous indices so a bad marker fails before a job is launched.
 */
public final class IndicesStep {
  /** Batch files scanned at once for the indices; each scan is a few ranged reads. */
  static final int SCAN_THREADS = 32;

  private final Storage storage;
  private final Layout layout;
  private final int maxBatchFiles;

  /**
   * @param maxBatchFiles above this many batch files the pipeline computes missing indices
   */
  public IndicesStep(Storage storage, Layout layout, int maxBatchFiles) {
    this.storage = storage;
    this.layout = layout;
    this.maxBatchFiles = maxBatchFiles;
  }

  /**
   * What the indices step did, for the run state and the job's parameters.
   *
   * @param what one line for the log and the run state
   * @param recompute whether the job must compute the indices itself
   */
  public record Indices(String what, boolean recompute) {}

  /**
   * Ensures the indices of a run: a dataset-version run ({@code previousUri} or {@code idField}
   * set) is checked ({@link #checkVersion}), any other gets its indices file ({@link #ensure}).
   */
  public Indices run(
      String bucket,
      String output,
      List<IndicesScan.Batch> batches,
      SplitConfig split,
      String previousUri,
      String idField,
      String where)
      throws IOException {
    return previousUri != null || idField != null
        ? checkVersion(previousUri, idField, split, where)
        : ensure(bucket, output, batches, split);
  }

  /**
   * A dataset-version run ({@code previousIndices} or {@code idField} in the marker): the pipeline
   * computes the indices (it alone writes an extension); here only the previous indices are checked
   * (they exist, parse and were made with this run's settings) so a bad marker fails before a job.
   */
  Indices checkVersion(String previousUri, String idField, SplitConfig split, String where)
      throws IOException {
    if (previousUri == null) {
      return new Indices("left to the pipeline: id field " + idField, true);
    }
    String rest = previousUri.substring("gs://".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      throw new MarkerException(where + ": previousIndices: " + previousUri + " names no object");
    }
    BlobId id = BlobId.of(rest.substring(0, slash), rest.substring(slash + 1));
    Blob blob = Gcs.call(() -> storage.get(id), previousUri);
    if (blob == null) {
      throw new MarkerException(
          where
              + ": previousIndices: "
              + previousUri
              + " does not exist; name the stratification_indices.json of the version to extend");
    }
    byte[] bytes =
        Gcs.call(
            () ->
                storage.readAllBytes(BlobId.of(id.getBucket(), id.getName(), blob.getGeneration())),
            previousUri);
    IndicesFile previous =
        IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), previousUri);
    List<String> differ = Extension.settingsDiffer(previous, split, idField);
    if (!differ.isEmpty()) {
      throw new MarkerException(
          where + ": " + VersionScan.refused(previousUri, differ).getMessage());
    }
    return new Indices(
        "left to the pipeline: extends "
            + previousUri
            + " ("
            + previous.plan().recordCount()
            + " records)",
        true);
  }

  /** The output folder's indices file: reused when it matches the batch files, else computed. */
  Indices ensure(String bucket, String output, List<IndicesScan.Batch> batches, SplitConfig split)
      throws IOException {
    String name = output + IndicesFile.FILE_NAME;
    String uri = layout.uri(name);
    Blob existing = Gcs.call(() -> storage.get(BlobId.of(bucket, name)), uri);
    List<String> changes = List.of();
    if (existing != null) {
      byte[] bytes =
          Gcs.call(
              () -> storage.readAllBytes(BlobId.of(bucket, name, existing.getGeneration())), uri);
      IndicesFile old = IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), uri);
      changes = IndicesScan.differences(old, batches, split);
      if (changes.isEmpty()) {
        return new Indices(
            "reused " + uri + " (matches the " + batches.size() + " batch files)", false);
      }
    }
    String why = existing == null ? "missing" : "stale: " + String.join("; ", changes);
    if (batches.size() > maxBatchFiles) {
      return new Indices(
          "left to the pipeline: "
              + why
              + "; "
              + batches.size()
              + " batch files > "
              + LaunchConfig.INDICES_MAX_BATCH_FILES
              + "="
              + maxBatchFiles,
          existing != null);
    }
    return compute(bucket, name, uri, why, batches, split);
  }

  private Indices compute(
      String bucket,
      String name,
      String uri,
      String why,
      List<IndicesScan.Batch> batches,
      SplitConfig split)
      throws IOException {
    long t0 = System.nanoTime();
    GcsObjectStore store = new GcsObjectStore(storage, bucket, "", new ReadStats());
    IndicesFile computed = IndicesScan.compute(batches, split, store.batchOpener(), SCAN_THREADS);
    byte[] json = computed.toJson().getBytes(StandardCharsets.UTF_8);
    Gcs.call(
        () ->
            storage.create(
                BlobInfo.newBuilder(BlobId.of(bucket, name))
                    .setContentType("application/json")
                    .build(),
                json),
        uri);
    return new Indices(
        String.format(
            "computed %s (%s) from %d batch files in %d ms: %d ranged reads, %d bytes",
            uri,
            why,
            batches.size(),
            (System.nanoTime() - t0) / 1_000_000,
            store.stats().requests(),
            store.stats().bytes()),
        false);
  }
}
