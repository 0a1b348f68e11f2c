package dev.splitflow.pt;

/**
 * Base of the one unchecked exception family the .pt reader and writer throw. The message always
 * names the file, where in it (zip entry or byte offset), what was expected and what was found, so
 * it can be shown to a user as a single line.
 */
public class PtException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PtException(String message) {
    super(message);
  }

  public PtException(String message, Throwable cause) {
    super(message, cause);
  }
}
