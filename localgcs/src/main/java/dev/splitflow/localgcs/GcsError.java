package dev.splitflow.localgcs;

/**
 * A failure answered the way Cloud Storage answers it: an HTTP status and a JSON error body with a
 * reason clients switch on ({@code notFound}, {@code conditionNotMet}, ...).
 */
public final class GcsError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String reason;

  public GcsError(int status, String reason, String message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  static GcsError noSuchObject(String bucket, String name) {
    return new GcsError(404, "notFound", "No such object: " + bucket + "/" + name);
  }

  static GcsError noSuchBucket(String bucket) {
    return new GcsError(404, "notFound", "The specified bucket does not exist: " + bucket);
  }

  static GcsError conditionNotMet() {
    return new GcsError(
        412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
  }

  static GcsError notModified() {
    return new GcsError(304, "notModified", "Not Modified");
  }

  static GcsError invalid(String message) {
    return new GcsError(400, "invalid", message);
  }
}
