package dev.splitflow.functions.marker;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the marker generation an event names, and only that one: a marker replaced meanwhile starts
 * its own run, and a marker too large to be options is refused before it is parsed.
 */
public final class MarkerFile {
  /** The largest marker read: options are a small JSON object. */
  static final int MAX_BYTES = 64 * 1024;

  private MarkerFile() {}

  /**
   * The options the marker holds (not yet over the defaults).
   *
   * @param marker the marker object with its generation
   * @param uri the marker's {@code gs://} URI, for messages
   * @throws MarkerException the marker is gone, too large or not valid options
   * @throws IOException Cloud Storage failed
   */
  public static RunOptions read(Storage storage, BlobId marker, String uri) throws IOException {
    byte[] content;
    try {
      content = storage.readAllBytes(marker);
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        throw new MarkerException(
            uri
                + ": the marker was deleted or replaced before it could be read; the newer"
                + " marker (if any) starts its own run");
      }
      throw new IOException(uri + ": reading the marker: " + e.getMessage(), e);
    }
    if (content.length > MAX_BYTES) {
      throw new MarkerException(
          uri
              + ": marker is "
              + content.length
              + " bytes; expected empty or a small JSON"
              + " object of "
              + String.join(", ", RunOptions.KEYS));
    }
    return RunOptions.parse(new String(content, StandardCharsets.UTF_8), uri);
  }
}
