package dev.splitflow.functions.events;

/** An event this function cannot read. Permanent: logged and dropped, never retried. */
public final class EventException extends RuntimeException {
  public EventException(String message) {
    super(message);
  }
}
