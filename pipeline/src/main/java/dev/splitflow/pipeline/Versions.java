package dev.splitflow.pipeline;

import dev.splitflow.split.Extension;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import dev.splitflow.split.VersionScan;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The indices step with {@code --previousIndices} or {@code --idField}. Everything is read and
 * checked (the previous file parses, was made with this run's settings, the existing indices fit or
 * may be replaced) before the one write, the new indices file.
 *
 * <p>The usual extension is in place: the previous version's output folder is this run's output,
 * and {@code --previousIndices} names its indices file. Then an indices file that already matches
 * the batch files is this extension done before (a re-run), and is reused.
 */
final class Versions {
  private Versions() {}

  static Indices.Result ensure(
      List<Indices.Found> batches,
      SplitConfig config,
      String path,
      boolean recompute,
      Indices.Versioning v)
      throws IOException {
    ResourceId file = BeamFiles.resolveFile(path);
    VersionScan.Previous prev = null;
    boolean samePath = false;
    if (v.previousPath() != null) {
      prev = readPrevious(v.previousPath());
      List<String> differ = Extension.settingsDiffer(prev.indices(), config, v.idField());
      if (!differ.isEmpty()) {
        throw VersionScan.refused("--previousIndices " + v.previousPath(), differ);
      }
      samePath = BeamFiles.resolveFile(v.previousPath()).toString().equals(file.toString());
    }
    List<IndicesScan.Batch> input = Indices.scanInput(batches);
    Optional<String> existing = BeamFiles.readText(file);
    if (existing.isPresent()) {
      IndicesFile old = samePath ? prev.indices() : IndicesFile.parse(existing.get(), path);
      List<String> changes =
          new ArrayList<>(
              IndicesScan.differences(old, input, config, b -> BeamFiles.openSeekable(b.path())));
      String had = old.ids() == null ? null : old.ids().field();
      if (!Objects.equals(had, v.idField())) {
        changes.add(
            "id field: indices have "
                + (had == null ? "none" : had)
                + ", run asks for "
                + (v.idField() == null ? "none" : v.idField()));
      }
      if (prev != null && !samePath) {
        String from = old.lineage() == null ? null : old.lineage().previousDigest();
        if (!prev.digest().equals(from)) {
          changes.add("lineage: it is not an extension of " + v.previousPath());
        }
      }
      if (changes.isEmpty()) {
        return new Indices.Result(
            old, path, false, Indices.sha256(existing.get().getBytes(StandardCharsets.UTF_8)));
      }
      // In place, the existing file is the previous version: replacing it is the point.
      if (!recompute && !samePath) {
        throw new SplitException(
            path
                + " does not match this run: "
                + String.join("; ", changes)
                + ". Delete it or pass --recomputeIndices to compute new indices.");
      }
    }
    VersionScan.Result r =
        VersionScan.compute(
            input,
            config,
            v.idField(),
            prev,
            b -> BeamFiles.openSeekable(b.path()),
            Indices.scanThreads(batches, Runtime.getRuntime().availableProcessors()));
    byte[] bytes = r.indices().toJsonBytes();
    BeamFiles.writeAtomically(file, bytes);
    return new Indices.Result(r.indices(), path, true, Indices.sha256(bytes), r.notes());
  }

  private static VersionScan.Previous readPrevious(String where) throws IOException {
    byte[] bytes;
    try {
      bytes = BeamFiles.readAll(BeamFiles.resolveFile(where));
    } catch (FileNotFoundException e) {
      throw new SplitException(
          "--previousIndices "
              + where
              + ": no such file; name the stratification_indices.json of the version to extend");
    }
    IndicesFile indices = IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), where);
    return new VersionScan.Previous(indices, IndicesFile.digest(bytes), where);
  }
}
