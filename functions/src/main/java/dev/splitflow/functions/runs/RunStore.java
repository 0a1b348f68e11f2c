package dev.splitflow.functions.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.json.Json;
import java.io.IOException;
import java.util.Optional;

/**
 * Run-state objects ({@code <statePrefix><runId>.json}) with compare-and-set writes: creating one
 * is create-if-absent ({@code ifGenerationMatch=0}), changing one requires the generation it was
 * read at. Whoever wins a write owns the step; the loser sees {@link Optional#empty()}.
 */
public final class RunStore {
  /**
   * The core mapper's strict reading, plus {@code java.time} and snake_case names. Unknown fields
   * are accepted on purpose: a run state written by a newer deployment must stay readable by an
   * older one during a rollout.
   */
  private static final ObjectMapper JSON =
      Json.builder()
          .addModule(new JavaTimeModule())
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private final Storage storage;
  private final String bucket;
  private final String prefix;

  /** A run state as read, with the generation a change must match. */
  public record Versioned(RunState state, long generation) {}

  public RunStore(Storage storage, String bucket, String prefix) {
    this.storage = storage;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  public String objectName(String runId) {
    return prefix + runId + ".json";
  }

  public String uri(String runId) {
    return "gs://" + bucket + "/" + objectName(runId);
  }

  public Optional<Versioned> get(String runId) throws IOException {
    // The object can be replaced between reading its metadata and its content; then read again.
    for (int attempt = 0; ; attempt++) {
      Blob b = Gcs.call(() -> storage.get(BlobId.of(bucket, objectName(runId))), uri(runId));
      if (b == null) {
        return Optional.empty();
      }
      byte[] bytes;
      try {
        bytes = storage.readAllBytes(BlobId.of(bucket, b.getName(), b.getGeneration()));
      } catch (StorageException e) {
        if (e.getCode() == 404 && attempt < 10) {
          continue;
        }
        throw new IOException(
            uri(runId)
                + ": reading run state: Cloud Storage answered "
                + e.getCode()
                + " "
                + e.getMessage(),
            e);
      }
      try {
        return Optional.of(new Versioned(JSON.readValue(bytes, RunState.class), b.getGeneration()));
      } catch (IOException e) {
        throw new IOException(uri(runId) + ": unreadable run state: " + e.getMessage(), e);
      }
    }
  }

  /** Creates the run state if no object exists yet; empty when another delivery was first. */
  public Optional<Versioned> create(RunState s) throws IOException {
    return write(s, Storage.BlobTargetOption.doesNotExist());
  }

  /** Replaces the state read as {@code old}; empty when it changed since (another delivery won). */
  public Optional<Versioned> replace(Versioned old, RunState next) throws IOException {
    return write(next, Storage.BlobTargetOption.generationMatch(old.generation()));
  }

  private Optional<Versioned> write(RunState s, Storage.BlobTargetOption precondition)
      throws IOException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    BlobInfo info =
        BlobInfo.newBuilder(BlobId.of(bucket, objectName(s.runId())))
            .setContentType("application/json")
            .build();
    try {
      Blob b = storage.create(info, bytes, precondition);
      return Optional.of(new Versioned(s, b.getGeneration()));
    } catch (StorageException e) {
      if (e.getCode() == 412 || e.getCode() == 409) {
        return Optional.empty();
      }
      throw new IOException(
          uri(s.runId())
              + ": writing run state: Cloud Storage answered "
              + e.getCode()
              + " "
              + e.getMessage(),
          e);
    }
  }
}
