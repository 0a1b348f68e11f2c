package dev.splitflow.functions.log;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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

  /** One entry as Cloud Logging reads it; {@code run_id} only when the entry is about a run. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"severity", "component", "run_id", "message"})
  record Entry(
      String severity, String component, @JsonProperty("run_id") String runId, String message) {}

  private void write(String severity, String runId, String message) {
    String line = Json.write(new Entry(severity, component, runId, message));
    synchronized (out) {
      out.println(line);
    }
  }
}
