package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkNames;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What splitflow writes, so that no input pattern can take it as a batch file: chunks (and anything
 * a loader's {@code <split>_chunk_*.pt} glob would take for one), manifests, claims and temporary
 * files wherever they are; this run's indices file; and everything in a folder below the output
 * folder. Batch files that sit directly in the output folder beside the outputs stay inputs.
 */
final class Outputs {
  /** What {@code train_chunk_*.pt}, {@code val_chunk_*.pt} or {@code test_chunk_*.pt} matches. */
  static final Pattern CHUNK_GLOB = Pattern.compile("(train|val|test)_chunk_.*\\.pt");

  private final String folder;
  private final String indices;

  Outputs(String outputFolder, String indicesPath) {
    this.folder = BeamFiles.folder(normalize(outputFolder));
    this.indices = normalize(indicesPath);
  }

  /** Whether {@code path} is, or may be, one of the run's outputs. */
  boolean contains(String path) {
    String p = normalize(path);
    String name = p.substring(p.lastIndexOf('/') + 1);
    if (p.equals(indices)
        || p.contains("/" + BeamFiles.TEMP_DIR)
        || CHUNK_GLOB.matcher(name).matches()
        || name.equals(ChunkNames.MANIFEST)
        || name.startsWith(OutputClaim.NAME)) {
      return true;
    }
    if (!p.startsWith(folder)) {
      return false;
    }
    String rest = p.substring(folder.length());
    return rest.contains("/") || rest.equals(ChunkNames.INDICES);
  }

  private static String normalize(String path) {
    if (path.contains("://") && !path.startsWith("file://")) {
      return path;
    }
    String local = path.startsWith("file://") ? path.substring("file://".length()) : path;
    String abs = Path.of(local).toAbsolutePath().normalize().toString();
    return local.endsWith("/") && !abs.endsWith("/") ? abs + "/" : abs;
  }
}
