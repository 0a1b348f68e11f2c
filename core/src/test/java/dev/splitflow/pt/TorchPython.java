package dev.splitflow.pt;

import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a Python with real torch via {@code tools/torch-python} (which builds .venv from the
 * machine's CPU wheel). Outside CI a machine without one skips the test ({@link Component#TORCH});
 * in CI ({@code CI} set) that is a failure, so CI can never pass without running the interop
 * checks.
 */
public final class TorchPython {
  private TorchPython() {}

  public static final Path REPO = Path.of(System.getProperty("splitflow.repo.root", "."));
  private static String interpreter;

  public static synchronized String interpreter() throws IOException, InterruptedException {
    if (interpreter != null) {
      return interpreter;
    }
    Process p =
        new ProcessBuilder(REPO.resolve("tools/torch-python").toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0 || out.isEmpty()) {
      Component.TORCH.unavailable(
          "no Python with torch: tools/torch-python exited " + p.exitValue());
    }
    interpreter = out;
    return out;
  }

  /** Runs a script from core/src/test/python; returns its exit code and combined output. */
  public static Result run(String script, List<String> args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(interpreter());
    cmd.add(REPO.resolve("core/src/test/python").resolve(script).toString());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  /** Exit code and combined output of a script. */
  public record Result(int code, String output) {}
}
