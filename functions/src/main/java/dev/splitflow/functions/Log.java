package dev.splitflow.functions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.json.Json;
import java.io.PrintStream;

/**
 * One JSON line per log entry on stdout, which Cloud Logging reads as a structured entry (its
 * {@code severity} becomes the level). Entries carry run ids, object names and reasons; never
 * record content.
 */
public final class Log {
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
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("severity", severity);
    n.put("component", component);
    if (runId != null) {
      n.put("run_id", runId);
    }
    n.put("message", message);
    String line = Json.write(n);
    synchronized (out) {
      out.println(line);
    }
  }
}
