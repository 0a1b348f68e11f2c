package dev.splitflow.split;

/**
 * The one unchecked exception the split planner and the indices file throw for problems a user can
 * fix: bad ratios or configuration, a record without a stratum field, a damaged or stale indices
 * file. The message is a single line meant to be shown as is.
 */
public class SplitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SplitException(String message) {
    super(message);
  }

  public SplitException(String message, Throwable cause) {
    super(message, cause);
  }
}
