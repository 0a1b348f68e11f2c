package dev.splitflow.functions.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.functions.invoker.runner.Invoker;
import dev.splitflow.functions.LaunchSplitFunction;
import dev.splitflow.functions.VerifySplitFunction;
import io.cloudevents.CloudEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A GET on a function's port, through the real Functions Framework invoker in-process: the
 * invoker's NullPointerException trace is replaced by one line, while a real event failure is still
 * logged with what the function threw.
 */
class InvokerLogFilterTest {
  static final ByteArrayOutputStream OUT = new ByteArrayOutputStream();

  /** A function that fails every event, hosted as the deployed functions are. */
  public static class Target implements CloudEventsFunction {
    @Override
    public void accept(CloudEvent event) throws Exception {
      throw new IOException("the event failed");
    }
  }

  @Test
  void aGetLogsOneLineAndAFailedEventKeepsItsRecord() throws Exception {
    // Hold the logger: java.util.logging keeps loggers only weakly.
    Logger invokerLogger = Logger.getLogger(InvokerLogFilter.INVOKER_LOGGER);
    List<LogRecord> passed = new ArrayList<>();
    Handler recorder =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (invokerLogger.getFilter() == null || invokerLogger.getFilter().isLoggable(r)) {
              passed.add(r);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Invoker invoker =
        new Invoker(
            port,
            Target.class.getName(),
            "cloudevent",
            InvokerLogFilterTest.class.getClassLoader());
    invoker.startTestServer();
    // This test's own filter, writing to OUT (a function class loaded earlier in this JVM may
    // have installed one writing to stdout).
    Filter before = invokerLogger.getFilter();
    invokerLogger.setFilter(
        new InvokerLogFilter(
            null, new Log("test", new PrintStream(OUT, true, StandardCharsets.UTF_8))));
    invokerLogger.addHandler(recorder);
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> get =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(500, get.statusCode(), "the invoker's answer; the function never ran");
      assertTrue(
          passed.stream().noneMatch(r -> r.getThrown() instanceof NullPointerException),
          "no NullPointerException record passes");
      String lines = OUT.toString(StandardCharsets.UTF_8);
      assertEquals(1, lines.lines().count(), lines);
      assertTrue(lines.contains("ignored a request that is not an event"), lines);

      HttpResponse<String> event =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                  .header("Content-Type", "application/json")
                  .header("ce-id", "1")
                  .header("ce-specversion", "1.0")
                  .header("ce-type", "google.cloud.storage.object.v1.finalized")
                  .header("ce-source", "//storage.googleapis.com/projects/_/buckets/b")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"bucket\":\"b\",\"name\":\"x\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(500, event.statusCode());
      assertTrue(
          passed.stream()
              .anyMatch(
                  r ->
                      r.getLevel() == Level.SEVERE
                          && r.getThrown() != null
                          && "the event failed".equals(r.getThrown().getMessage())),
          "a failed event is still logged: " + passed);
    } finally {
      invokerLogger.removeHandler(recorder);
      invokerLogger.setFilter(before);
      invoker.stopServer();
    }
  }

  @Test
  void bothFunctionsInstallTheFilterWhenLoaded() throws Exception {
    Logger invokerLogger = Logger.getLogger(InvokerLogFilter.INVOKER_LOGGER);
    Class.forName(LaunchSplitFunction.class.getName(), true, getClass().getClassLoader());
    Class.forName(VerifySplitFunction.class.getName(), true, getClass().getClassLoader());
    assertInstanceOf(InvokerLogFilter.class, invokerLogger.getFilter());
    LogRecord other = new LogRecord(Level.SEVERE, "Failed to execute x");
    other.setThrown(new NullPointerException("in the function"));
    assertFalse(InvokerLogFilter.notAnEvent(other), "an NPE of the function itself passes");
  }
}
