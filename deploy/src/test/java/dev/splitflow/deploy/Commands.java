package dev.splitflow.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with its output in files (no pipe can fill up and block it). */
final class Commands {
  private Commands() {}

  record Result(int exitCode, String stdout, String stderr) {
    String describe() {
      return "exit "
          + exitCode
          + "\n--- stdout ---\n"
          + tail(stdout)
          + "\n--- stderr ---\n"
          + tail(stderr);
    }

    private static String tail(String s) {
      return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }
  }

  /** Whether {@code command --version}-like probe runs at all (the program is on PATH). */
  static boolean available(Path dir, String... probe) {
    try {
      return run(dir, Map.of(), Duration.ofSeconds(60), probe).exitCode() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  static Result run(Path dir, Map<String, String> env, Duration timeout, String... command)
      throws IOException {
    return run(dir, env, timeout, List.of(command));
  }

  static Result run(Path dir, Map<String, String> env, Duration timeout, List<String> command)
      throws IOException {
    Path out = Files.createTempFile("splitflow-cmd", ".out");
    Path err = Files.createTempFile("splitflow-cmd", ".err");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + String.join(" ", command), e);
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static File nullDevice() {
    return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }
}
