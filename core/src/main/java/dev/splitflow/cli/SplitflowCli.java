package dev.splitflow.cli;

import dev.splitflow.pt.PtException;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code ./splitflow} command line. Each command prints its result on standard output, or one
 * line {@code splitflow: <reason>} on standard error and a non-zero exit status.
 */
public final class SplitflowCli {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT =
      """
      usage: splitflow <command> [arguments]

      commands:
        inspect FILE.pt   print the file's records as JSON (docs/inspect.md)
        help              show this text
      """;

  private SplitflowCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream stdout, PrintStream stderr) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      (args.length == 0 ? stderr : stdout).print(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "inspect" -> inspect(rest, stdout, stderr);
        default -> usage(stderr, "unknown command '" + args[0] + "'");
      };
    } catch (PtException e) {
      stderr.println("splitflow: " + e.getMessage());
      return FAILED;
    } catch (NoSuchFileException e) {
      stderr.println("splitflow: " + e.getFile() + ": no such file");
      return FAILED;
    } catch (IOException e) {
      stderr.println("splitflow: " + e.getMessage());
      return FAILED;
    } catch (OutOfMemoryError e) {
      stderr.println("splitflow: out of memory (raise -Xmx with JAVA_OPTS): " + e.getMessage());
      return FAILED;
    }
  }

  private static int usage(PrintStream stderr, String problem) {
    stderr.println("splitflow: " + problem);
    stderr.print(USAGE_TEXT);
    return USAGE;
  }

  private static int inspect(String[] args, PrintStream stdout, PrintStream stderr)
      throws IOException {
    if (args.length != 1) {
      return usage(stderr, "inspect takes one file");
    }
    Path path = Path.of(args[0]);
    if (Files.isDirectory(path)) {
      stderr.println("splitflow: " + path + ": is a directory, expected a .pt file");
      return FAILED;
    }
    try (PtFile file = PtFile.open(path)) {
      Writer out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
      PtJson.write(file, out);
      out.flush();
    }
    return OK;
  }
}
