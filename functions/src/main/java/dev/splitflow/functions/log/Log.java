package dev.splitflow.functions.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/**
 * One JSON line per log entry on stdout, which Cloud Logging reads as a structured entry (its
 * {@code severity} becomes the level). Entries carry run ids, object names and reasons; never
 * record content.
 */
public final class Log {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String component;
  private final PrintStream out;

  public Log(String component) {
    this(component, System.out);
  }

  Log(String component, PrintStream out) {
    this.component = component;
    this.out = out;
  }

  public void info(String runId, String message) {
    write("INFO", runId, message);
  }

  public void warn(String runId, String message) {
    write("WARNING", runId, message);
  }

  public void error(String runId, String message) {
    write("ERROR", runId, message);
  }

  private void write(String severity, String runId, String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("severity", severity);
    n.put("component", component);
    if (runId != null) {
      n.put("run_id", runId);
    }
    n.put("message", message);
    String line = n.toString();
    synchronized (out) {
      out.println(line);
    }
  }
}
