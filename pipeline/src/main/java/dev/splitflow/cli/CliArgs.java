package dev.splitflow.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line's flags, checked before anything else happens: every flag known, given once,
 * with a value of the right kind. A problem is one line that names the flag, the value and what is
 * accepted ({@link UsageError}); Beam's parser only ever sees arguments that passed.
 */
final class CliArgs {
  private CliArgs() {}

  /** A command-line mistake: one line for the user, exit status 2. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message);
    }
  }

  /** What a flag's value must be. */
  enum Kind {
    /** Any text, empty included (empty means the default). */
    TEXT("any text"),
    /** Text with something other than spaces in it. */
    PATH("a path or gs:// URI, not empty"),
    RATIO("a number from 0 to 1, e.g. 0.7"),
    INTEGER("a whole number, e.g. 42"),
    POSITIVE("a whole number of at least 1"),
    FLAG("no value, or true or false");

    final String accepted;

    Kind(String accepted) {
      this.accepted = accepted;
    }
  }

  /** The split and indices commands' flags (SplitOptions, plus --workers). */
  static final Map<String, Kind> SPLIT_FLAGS = new LinkedHashMap<>();

  static {
    SPLIT_FLAGS.put("input", Kind.PATH);
    SPLIT_FLAGS.put("output", Kind.PATH);
    SPLIT_FLAGS.put("trainRatio", Kind.RATIO);
    SPLIT_FLAGS.put("valRatio", Kind.RATIO);
    SPLIT_FLAGS.put("testRatio", Kind.RATIO);
    SPLIT_FLAGS.put("seed", Kind.INTEGER);
    SPLIT_FLAGS.put("chunkSize", Kind.POSITIVE);
    SPLIT_FLAGS.put("strataFields", Kind.TEXT);
    SPLIT_FLAGS.put("groupBy", Kind.TEXT);
    SPLIT_FLAGS.put("indices", Kind.TEXT);
    SPLIT_FLAGS.put("recomputeIndices", Kind.FLAG);
    SPLIT_FLAGS.put("computeIndicesOnly", Kind.FLAG);
    SPLIT_FLAGS.put("runId", Kind.TEXT);
    SPLIT_FLAGS.put("previousIndices", Kind.PATH);
    SPLIT_FLAGS.put("idField", Kind.TEXT);
    SPLIT_FLAGS.put("workers", Kind.POSITIVE);
  }

  /** Whether the arguments ask for help (then nothing else is checked or done). */
  static boolean wantsHelp(String[] args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("-help")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The arguments as {@code --name=value} (accepting {@code --name value} too), every one checked
   * against {@code flags}; {@code required} must be present.
   *
   * @throws UsageError naming the first problem
   */
  static Map<String, String> parse(
      String command, String[] args, Map<String, Kind> flags, Set<String> required) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageError(
            command + ": unexpected argument '" + a + "'; options are written --name=value");
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
      Kind kind = flags.get(name);
      if (kind == null) {
        throw new UsageError(
            command
                + ": unknown option --"
                + name
                + "; it takes "
                + String.join(", ", flags.keySet().stream().map(f -> "--" + f).toList()));
      }
      String value;
      if (eq >= 0) {
        value = a.substring(eq + 1);
      } else if (kind == Kind.FLAG) {
        value = "true";
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new UsageError(
            command + ": --" + name + " needs a value: " + kind.accepted + " (--" + name + "=...)");
      }
      if (out.put(name, check(command, name, value, kind)) != null) {
        throw new UsageError(command + ": --" + name + " is given more than once");
      }
    }
    for (String r : required) {
      if (!out.containsKey(r)) {
        throw new UsageError(command + ": --" + r + " is required: " + flags.get(r).accepted);
      }
    }
    return out;
  }

  private static String check(String command, String name, String value, Kind kind) {
    boolean ok =
        switch (kind) {
          case TEXT -> true;
          case PATH -> !value.isBlank();
          case RATIO -> isRatio(value);
          case INTEGER -> isLong(value);
          case POSITIVE -> isLong(value) && Long.parseLong(value.trim()) >= 1 && fitsInt(value);
          case FLAG -> value.equals("true") || value.equals("false");
        };
    if (!ok) {
      throw new UsageError(
          command
              + ": --"
              + name
              + "='"
              + value
              + "' is not accepted; expected "
              + kind.accepted
              + (kind == Kind.PATH ? " (is a shell variable unset?)" : ""));
    }
    return kind == Kind.PATH ? value : value.trim();
  }

  private static boolean isRatio(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      return Double.isFinite(d) && d >= 0 && d <= 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isLong(String v) {
    try {
      Long.parseLong(v.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean fitsInt(String v) {
    return Long.parseLong(v.trim()) <= Integer.MAX_VALUE;
  }

  /** Checked flags in the form Beam parses, --workers as the DirectRunner's parallelism. */
  static String[] beamArgs(Map<String, String> flags) {
    List<String> out = new ArrayList<>();
    flags.forEach(
        (name, value) ->
            out.add("--" + (name.equals("workers") ? "targetParallelism" : name) + "=" + value));
    return out.toArray(new String[0]);
  }

  static Set<String> setOf(String... names) {
    return new HashSet<>(List.of(names));
  }
}
