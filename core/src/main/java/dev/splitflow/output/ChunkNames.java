package dev.splitflow.output;

import dev.splitflow.split.Split;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Names of the files in an output folder: {@code train_chunk_00000.pt} (chunk numbers from 0, five
 * digits or more), the indices file and the manifest, which is written last.
 */
public final class ChunkNames {
  private ChunkNames() {}

  public static final String INDICES = "stratification_indices.json";
  public static final String MANIFEST = "_SPLIT_MANIFEST.json";

  /** The claim a run holds on its output folder while it writes there. */
  public static final String CLAIM = "_SPLITFLOW_CLAIM.json";

  /** {@code train|val|test}, for the name patterns. */
  private static final String SPLITS =
      Arrays.stream(Split.values()).map(Split::jsonName).collect(Collectors.joining("|"));

  private static final Pattern CHUNK = Pattern.compile("(" + SPLITS + ")_chunk_(\\d{5,})\\.pt");

  public static String chunk(Split split, int number) {
    return String.format("%s_chunk_%05d.pt", split.jsonName(), number);
  }

  /** A chunk name's split and number, or empty for any other name. */
  public static Optional<Parsed> parse(String name) {
    Matcher m = CHUNK.matcher(name);
    return m.matches()
        ? Optional.of(new Parsed(Split.fromJsonName(m.group(1)), Integer.parseInt(m.group(2))))
        : Optional.empty();
  }

  private static final Pattern CHUNK_GLOB = Pattern.compile("(" + SPLITS + ")_chunk_.*\\.pt");

  /**
   * Whether a loader's {@code train_chunk_*.pt} (or val, test) glob would pick the name up, as it
   * would a stray {@code test_chunk_00001 (copy).pt}.
   */
  public static boolean matchesChunkGlob(String name) {
    return CHUNK_GLOB.matcher(name).matches();
  }

  /**
   * Whether {@code name} stays inside the folder it is looked up in: a plain file name, no
   * separator, not {@code .} or {@code ..}.
   */
  public static boolean isPlainName(String name) {
    return !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf(':') < 0
        && name.chars().noneMatch(c -> c < 0x20);
  }

  /** A parsed chunk name. */
  public record Parsed(Split split, int number) {}
}
