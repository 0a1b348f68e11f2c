package dev.splitflow.output;

/**
 * A manifest that cannot be read: not one JSON object, not a splitflow manifest, another version,
 * or a field of the wrong shape. The message names the manifest and the field, for a person to act
 * on; the verifiers report it as the failed {@code manifest} check.
 *
 * <p>An {@link IllegalArgumentException}, as {@code Manifest.parse} threw before it had its own
 * type, so code that catches the broader type keeps working.
 */
public final class ManifestFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ManifestFormatException(String message) {
    super(message);
  }
}
