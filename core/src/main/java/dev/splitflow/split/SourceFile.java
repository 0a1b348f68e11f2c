package dev.splitflow.split;

import java.util.Objects;

/**
 * One batch file as the indices file records it, so a later run can tell whether its input changed.
 *
 * @param file the basename, e.g. {@code batch_3.pt}; record identities start with it
 * @param path the full path or URI it was read from (informational: moving the folder is not a
 *     change)
 * @param records records in the file, or {@link #UNKNOWN_RECORDS} when the caller has not opened it
 *     (only for {@link IndicesFile#differences}; an indices file always has the count)
 * @param bytes file size
 * @param generation the object generation (Cloud Storage), or null where there is none
 * @param firstIndex the global index of the file's first record
 * @param pklSha256 SHA-256 (hex) of the file's {@code data.pkl}, what the plan depends on (no
 *     tensor bytes), or null where it was not read (indices made before it was recorded, a legacy
 *     file, or a listing that has not opened the file)
 */
public record SourceFile(
    String file,
    String path,
    long records,
    long bytes,
    Long generation,
    long firstIndex,
    String pklSha256) {
  /** A record count not known without reading the file. */
  public static final long UNKNOWN_RECORDS = -1;

  /** A source without a content fingerprint. */
  public SourceFile(
      String file, String path, long records, long bytes, Long generation, long firstIndex) {
    this(file, path, records, bytes, generation, firstIndex, null);
  }

  public SourceFile {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(path, "path");
    if (file.isEmpty()) {
      throw new SplitException("source file name is empty (path '" + path + "')");
    }
    if (records < UNKNOWN_RECORDS || bytes < 0 || firstIndex < 0) {
      throw new SplitException(
          file
              + ": records ("
              + records
              + "), bytes ("
              + bytes
              + ") and first index ("
              + firstIndex
              + ") must be >= 0");
    }
  }
}
