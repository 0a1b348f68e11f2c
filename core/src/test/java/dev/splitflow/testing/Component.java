package dev.splitflow.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Assumptions;

/**
 * A part of the machine that some tests need and the build cannot always install: the one way a
 * test may be skipped. Outside CI a missing component skips the test with a message that starts
 * {@code [skipped: NAME]} and records why under {@code target/test-report/skipped/}, so the build's
 * last module ({@code test-report}, running {@code tools/test-report}) lists every skipped group
 * with the command that enables it. In CI ({@code CI} set) a missing component is a failure. A test
 * skipped any other way fails that last step, so nothing is skipped in silence.
 */
public enum Component {
  TORCH(
      "torch",
      "tools/torch-python (builds .venv from a CPU torch wheel in /opt/wheels or SPLITFLOW_WHEELS)"),
  HCL_PARSER("hcl-parser", "install Node.js and npm, then: (cd tools/hcl && npm ci)"),
  PUBSUB_EMULATOR(
      "pubsub-emulator",
      "install the Google Cloud CLI with the Pub/Sub emulator"
          + " (apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator)"),
  GCLOUD("gcloud", "install the Google Cloud CLI (apt-get install google-cloud-cli)"),
  PYTHON("python3", "install Python 3 as python3 on PATH (or name one in PYTHON)"),
  BASH("bash", "install bash on PATH");

  private final String id;
  private final String enable;

  Component(String id, String enable) {
    this.id = id;
    this.enable = enable;
  }

  /** The group's name in skip messages and in the end-of-build list. */
  public String id() {
    return id;
  }

  /** The command (or step) that makes the component available. */
  public String enable() {
    return enable;
  }

  /** Skips the calling test (outside CI) or fails it (in CI): the component is missing. */
  public void unavailable(String why) {
    unavailable(why, callingTestClass());
  }

  /**
   * {@link #unavailable(String)} for a test class that is not on the stack (an extension's {@code
   * beforeAll}): a class skipped before its first test runs shows in the reports as a suite of no
   * tests, which the end-of-build list names by this class.
   */
  public void unavailable(String why, String testClass) {
    if (isCi()) {
      fail(why + " (" + id + " is required in CI, where CI is set; enable with: " + enable + ")");
    }
    record(why, testClass);
    Assumptions.abort("[skipped: " + id + "] " + why + "; enable with: " + enable);
  }

  /** {@link #unavailable} unless {@code available}. */
  public void require(boolean available, String why) {
    if (!available) {
      unavailable(why);
    }
  }

  /** True when the environment variable {@code CI} is set to anything but empty or "false". */
  public static boolean isCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  private static String callingTestClass() {
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .map(StackWalker.StackFrame::getClassName)
                    .filter(c -> c.startsWith("dev.splitflow.") && !c.contains("$"))
                    .filter(c -> c.endsWith("Test") || c.endsWith("IT"))
                    .findFirst())
        .orElse("");
  }

  private void record(String why, String testClass) {
    String root = System.getProperty("splitflow.repo.root");
    if (root == null || root.isBlank()) {
      return; // not run by Maven: the skip message itself says what is missing
    }
    Path dir = Path.of(root, "target", "test-report", "skipped");
    String line = String.join("\t", why, enable, testClass) + "\n";
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(id);
      synchronized (Component.class) {
        if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(line)) {
          return;
        }
        Files.writeString(
            file,
            line,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the skipped group in " + dir, e);
    }
  }
}
