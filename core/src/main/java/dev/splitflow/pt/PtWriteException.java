package dev.splitflow.pt;

/**
 * A value the writer cannot write so that default {@code torch.load} gives it back unchanged. The
 * writer refuses rather than writing a silently different value.
 */
public class PtWriteException extends PtException {
  private static final long serialVersionUID = 1L;

  public PtWriteException(String message) {
    super(message);
  }
}
