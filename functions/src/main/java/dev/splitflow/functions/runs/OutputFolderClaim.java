package dev.splitflow.functions.runs;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ClaimFile;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * The launch function's claim on a run's output folder ({@code _SPLITFLOW_CLAIM.json}, created with
 * {@code ifGenerationMatch=0}), taken before its first change there (the indices file) and handed
 * to the pipeline job it launches: the claim names the run, and the job of that run continues it
 * and releases it after writing the manifest. Another run's claim (a CLI split, an earlier marker's
 * job) stops the run before it touches the folder.
 */
public final class OutputFolderClaim {
  private final Storage storage;
  private final BlobId object;
  private final String runId;
  private final String token;

  private OutputFolderClaim(Storage storage, BlobId object, String runId, String token) {
    this.storage = storage;
    this.object = object;
    this.runId = runId;
    this.token = token;
  }

  /** {@code gs://bucket/<output prefix>_SPLITFLOW_CLAIM.json}. */
  public String uri() {
    return "gs://" + object.getBucket() + "/" + object.getName();
  }

  /**
   * Takes the claim on {@code outputPrefix} for run {@code runId}, or continues the claim an
   * earlier delivery of the same run took.
   *
   * @throws SplitException another run holds the folder (says who, and how to clear a stale claim)
   * @throws IOException Cloud Storage failed
   */
  public static OutputFolderClaim take(
      Storage storage, String bucket, String outputPrefix, String runId, String jobName)
      throws IOException {
    BlobId id = BlobId.of(bucket, outputPrefix + ChunkNames.CLAIM);
    String uri = "gs://" + bucket + "/" + id.getName();
    String token = UUID.randomUUID().toString();
    String holder = "splitflow launch for run " + runId + " (job " + jobName + ")";
    byte[] content = ClaimFile.describe(holder, runId, token).getBytes(StandardCharsets.UTF_8);
    BlobInfo info = BlobInfo.newBuilder(id).setContentType("application/json").build();
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        Gcs.call(() -> storage.create(info, content, Storage.BlobTargetOption.doesNotExist()), uri);
        return new OutputFolderClaim(storage, id, runId, token);
      } catch (IOException e) {
        if (status(e) != 412) {
          throw e;
        }
      }
      Optional<byte[]> held = read(storage, id, uri);
      if (held.isEmpty()) {
        continue; // released between our create and our read
      }
      if (ClaimFile.isForRun(held.get(), runId)) {
        return new OutputFolderClaim(storage, id, runId, ClaimFile.token(held.get()));
      }
      throw new SplitException(
          ClaimFile.refusal("gs://" + bucket + "/" + outputPrefix, uri, held.get()));
    }
    throw new IOException(uri + ": the claim kept appearing and disappearing; retry");
  }

  /** Deletes the claim if it is still this run's (same run and token); another's stays. */
  public void release() throws IOException {
    Blob b = Gcs.call(() -> storage.get(object), uri());
    if (b == null) {
      return;
    }
    byte[] now;
    try {
      now =
          storage.readAllBytes(BlobId.of(object.getBucket(), object.getName(), b.getGeneration()));
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        return;
      }
      throw new IOException(uri() + ": " + e.getMessage(), e);
    }
    if (!ClaimFile.isForRun(now, runId) || !token.equals(ClaimFile.token(now))) {
      return;
    }
    try {
      storage.delete(object, Storage.BlobSourceOption.generationMatch(b.getGeneration()));
    } catch (StorageException e) {
      if (e.getCode() != 412 && e.getCode() != 404) {
        throw new IOException(uri() + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Deletes the claim on {@code outputPrefix} if it was made for {@code runId}, whoever took it for
   * that run: called when the run's job has ended without success, so nothing writes for the run
   * any more and its claim would otherwise stay behind, stale. Another run's claim stays.
   *
   * @return whether a claim of the run was deleted
   */
  public static boolean releaseEnded(
      Storage storage, String bucket, String outputPrefix, String runId) throws IOException {
    BlobId id = BlobId.of(bucket, outputPrefix + ChunkNames.CLAIM);
    String uri = "gs://" + bucket + "/" + id.getName();
    Blob b = Gcs.call(() -> storage.get(id), uri);
    if (b == null) {
      return false;
    }
    Optional<byte[]> held = read(storage, BlobId.of(bucket, id.getName(), b.getGeneration()), uri);
    if (held.isEmpty() || !ClaimFile.isForRun(held.get(), runId)) {
      return false;
    }
    try {
      storage.delete(id, Storage.BlobSourceOption.generationMatch(b.getGeneration()));
      return true;
    } catch (StorageException e) {
      if (e.getCode() == 412 || e.getCode() == 404) {
        return false;
      }
      throw new IOException(
          uri + ": Cloud Storage answered " + e.getCode() + " " + e.getMessage(), e);
    }
  }

  private static Optional<byte[]> read(Storage storage, BlobId id, String uri) throws IOException {
    try {
      return Optional.of(storage.readAllBytes(id));
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw new IOException(
          uri + ": Cloud Storage answered " + e.getCode() + " " + e.getMessage(), e);
    }
  }

  private static int status(IOException e) {
    return e.getCause() instanceof StorageException s ? s.getCode() : 0;
  }
}
