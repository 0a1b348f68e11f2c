package dev.splitflow.functions;

import com.google.cloud.storage.StorageException;
import dev.splitflow.functions.gcs.Gcs;
import dev.splitflow.functions.launch.LaunchException;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.pt.PtException;
import dev.splitflow.split.SplitException;

/**
 * The one verdict both functions act on: whether a failure is worth a redelivery (the function
 * throws, as functions-framework-java expects) or final (the run ends FAILED, or the event is
 * dropped), so a new exception type or status code is decided here once.
 */
final class Failures {
  private Failures() {}

  /**
   * Whether trying the same event again later can succeed. Final: bad input (marker, batch files,
   * indices: {@link MarkerException}, {@link SplitException}, {@link PtException}), a launch the
   * service refused for good, and a Cloud Storage answer that is not worth a retry (400, 401, 403,
   * 404, 412...). Retryable: a launch the service asked to retry, Cloud Storage 429/5xx or no
   * answer at all, any other I/O failure (it did not come from a Cloud Storage answer), and
   * unexpected runtime failures (bugs keep their trace in the platform's log).
   */
  static boolean retryable(Throwable e) {
    if (e instanceof LaunchException l) {
      return l.retryable();
    }
    if (e instanceof MarkerException || e instanceof SplitException || e instanceof PtException) {
      return false;
    }
    if (e instanceof RuntimeException) {
      return true;
    }
    return Gcs.retryable(e) || storageStatus(e) == NO_ANSWER;
  }

  /** {@link #storageStatus} of a failure that did not come from a Cloud Storage answer. */
  static final int NO_ANSWER = -1;

  /**
   * The HTTP status of the Cloud Storage answer a failure wraps ({@link Gcs#call} makes it the
   * direct cause), or {@link #NO_ANSWER}.
   */
  static int storageStatus(Throwable e) {
    return e.getCause() instanceof StorageException s ? s.getCode() : NO_ANSWER;
  }
}
