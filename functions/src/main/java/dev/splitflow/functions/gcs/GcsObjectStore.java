package dev.splitflow.functions.gcs;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.splitflow.output.ObjectStore;
import dev.splitflow.split.BatchOrder;
import dev.splitflow.split.IndicesScan;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A folder (prefix) of a Cloud Storage bucket as the verifier and the indices scan see it: object
 * metadata, small whole reads, and ranged reads of pinned generations.
 */
public final class GcsObjectStore implements ObjectStore {
  private final Storage storage;
  private final String bucket;
  private final String prefix;
  private final ReadStats stats;

  /**
   * @param prefix the folder, empty or ending in '/'
   */
  public GcsObjectStore(Storage storage, String bucket, String prefix, ReadStats stats) {
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix must end in '/': " + prefix);
    }
    this.storage = storage;
    this.bucket = bucket;
    this.prefix = prefix;
    this.stats = stats;
  }

  public ReadStats stats() {
    return stats;
  }

  @Override
  public String location() {
    return "gs://" + bucket + "/" + prefix;
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    Blob b = Gcs.call(() -> storage.get(BlobId.of(bucket, prefix + name)), location() + name);
    return b == null ? Optional.empty() : Optional.of(info(b));
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    Iterable<Blob> blobs =
        Gcs.call(
                () ->
                    storage.list(
                        bucket,
                        Storage.BlobListOption.prefix(prefix),
                        Storage.BlobListOption.currentDirectory()),
                location())
            .iterateAll();
    for (Blob b : blobs) {
      if (!b.isDirectory() && !b.getName().equals(prefix)) {
        out.add(info(b));
      }
    }
    return out;
  }

  @Override
  public byte[] read(String name) throws IOException {
    return Gcs.call(
        () -> storage.readAllBytes(BlobId.of(bucket, prefix + name)), location() + name);
  }

  @Override
  public SeekableByteChannel open(String name) throws IOException {
    Blob b = Gcs.call(() -> storage.get(BlobId.of(bucket, prefix + name)), location() + name);
    if (b == null) {
      throw new FileNotFoundException(location() + name + ": no such object");
    }
    return open(b);
  }

  /** Ranged reads of exactly this generation, so a concurrent overwrite cannot mix two files. */
  public SeekableByteChannel open(Blob b) {
    return openGeneration(b.getName(), b.getGeneration(), b.getSize());
  }

  /** Ranged reads of one generation of an object of this bucket (full object name). */
  public SeekableByteChannel openGeneration(String objectName, long generation, long size) {
    return new RangedReadChannel(storage, BlobId.of(bucket, objectName, generation), size, stats);
  }

  /**
   * The batch files ({@code batch_*.pt}) directly in a folder of the bucket, in natural numeric
   * order, with their generations; their paths are {@code gs://} URIs as the pipeline lists them.
   */
  public static List<IndicesScan.Batch> batches(Storage storage, String bucket, String folder)
      throws IOException {
    List<String> paths = new ArrayList<>();
    Map<String, Blob> byPath = new HashMap<>();
    Iterable<Blob> blobs =
        Gcs.call(
                () ->
                    storage.list(
                        bucket,
                        Storage.BlobListOption.prefix(folder + "batch_"),
                        Storage.BlobListOption.currentDirectory()),
                "listing gs://" + bucket + "/" + folder)
            .iterateAll();
    for (Blob b : blobs) {
      String base = b.getName().substring(folder.length());
      if (!b.isDirectory() && BATCH.matcher(base).matches()) {
        String path = "gs://" + bucket + "/" + b.getName();
        paths.add(path);
        byPath.put(path, b);
      }
    }
    List<IndicesScan.Batch> out = new ArrayList<>();
    for (String path : BatchOrder.sort(paths)) {
      Blob b = byPath.get(path);
      out.add(
          new IndicesScan.Batch(
              path, b.getName().substring(folder.length()), b.getSize(), b.getGeneration()));
    }
    return out;
  }

  /** What the pipeline's {@code batch_*.pt} glob matches inside one folder. */
  private static final Pattern BATCH = Pattern.compile("batch_[^/]*\\.pt");

  /** Opens listed batches (from {@link #batches}) of this bucket by generation. */
  public IndicesScan.Opener batchOpener() {
    String root = "gs://" + bucket + "/";
    return b -> openGeneration(b.path().substring(root.length()), b.generation(), b.bytes());
  }

  private ObjectInfo info(Blob b) {
    return new ObjectInfo(b.getName().substring(prefix.length()), b.getSize(), b.getCrc32c());
  }
}
