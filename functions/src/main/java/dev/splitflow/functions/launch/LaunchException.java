package dev.splitflow.functions.launch;

import java.io.IOException;

/**
 * A launch that failed. {@link #retryable()} says whether trying the same launch again later can
 * succeed (HTTP 429, 5xx, timeouts, connection failures), as opposed to a request the service
 * refused for good (400, 403, 404): the function throws for the first so the platform redelivers,
 * and publishes a FAILED summary for the second.
 */
public final class LaunchException extends IOException {
  private final boolean retryable;
  private final int httpStatus;

  public LaunchException(String message, boolean retryable, int httpStatus, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.httpStatus = httpStatus;
  }

  public boolean retryable() {
    return retryable;
  }

  /** The HTTP status the service answered, or 0 when there was no answer. */
  public int httpStatus() {
    return httpStatus;
  }
}
