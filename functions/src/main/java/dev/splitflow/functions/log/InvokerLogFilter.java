package dev.splitflow.functions.log;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Replaces the Functions Framework invoker's stack trace for a request that is not an event (a GET
 * from a browser or a health check, a POST without {@code ce-*} headers or event body) with one
 * line saying so. The invoker treats such a request as a legacy event, fails on its missing body
 * with a NullPointerException inside {@code GcfEvents.convertToCloudEvent}, answers 500 and logs
 * some forty lines; the function itself never runs. Every other record (a failed event, a bug)
 * passes unchanged.
 */
public final class InvokerLogFilter implements Filter {
  /** The logger the invoker's {@code BackgroundFunctionExecutor} writes to. */
  static final String INVOKER_LOGGER = "com.google.cloud.functions.invoker";

  private static final String NO_EVENT_FRAME = "com.google.cloud.functions.invoker.GcfEvents";

  /** Held here too: java.util.logging keeps loggers, and so their filters, only weakly. */
  private static final Logger INVOKER = Logger.getLogger(INVOKER_LOGGER);

  private final Filter next;
  private final Log log;

  InvokerLogFilter(Filter next, Log log) {
    this.next = next;
    this.log = log;
  }

  /** Installs the filter on the invoker's logger once per class loader world; idempotent. */
  public static void install(String component) {
    install(new Log(component));
  }

  static synchronized void install(Log log) {
    if (!(INVOKER.getFilter() instanceof InvokerLogFilter)) {
      INVOKER.setFilter(new InvokerLogFilter(INVOKER.getFilter(), log));
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (notAnEvent(record)) {
      log.warn(
          null,
          "ignored a request that is not an event (no ce-* headers and no event body, e.g. a GET"
              + " from a browser or a health check); the invoker answered 500. The function takes"
              + " CloudEvents by POST.");
      return false;
    }
    return next == null || next.isLoggable(record);
  }

  static boolean notAnEvent(LogRecord record) {
    Throwable t = record.getThrown();
    if (record.getLevel() != Level.SEVERE || !(t instanceof NullPointerException)) {
      return false;
    }
    StackTraceElement[] frames = t.getStackTrace();
    return frames.length > 0 && frames[0].getClassName().equals(NO_EVENT_FRAME);
  }
}
