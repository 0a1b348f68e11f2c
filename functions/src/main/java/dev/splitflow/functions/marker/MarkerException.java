package dev.splitflow.functions.marker;

/**
 * A marker (or the run it asks for) that cannot be honoured: bad JSON, unknown keys, bad values, a
 * folder outside the watched prefix, too few batch files. Permanent: the run is FAILED, no retry.
 */
public final class MarkerException extends RuntimeException {
  public MarkerException(String message) {
    super(message);
  }
}
