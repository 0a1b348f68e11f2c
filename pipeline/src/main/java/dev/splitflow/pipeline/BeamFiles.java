package dev.splitflow.pipeline;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Reads and writes through Beam's FileSystems, so local paths and {@code gs://} behave the same.
 * Files appear under their final name only when complete. A local file is written to a temporary
 * name in {@value #TEMP_DIR} beside it, then renamed. A Cloud Storage object is written straight to
 * its final name: it becomes visible only when its upload is finalized, whole, and a rename there
 * is a copy and a delete (every chunk written twice, the deleted copy billed under soft delete).
 */
final class BeamFiles {
  private BeamFiles() {}

  static final String TEMP_DIR = ".splitflow-tmp/";

  /** A folder or prefix, always ending in '/'. */
  static String folder(String prefix) {
    return prefix.endsWith("/") ? prefix : prefix + "/";
  }

  static ResourceId resolve(String folder, String name) {
    return FileSystems.matchNewResource(folder(folder), true)
        .resolve(name, ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }

  static ResourceId resolveFile(String path) {
    return FileSystems.matchNewResource(path, false);
  }

  /** Files matching a glob, or none. */
  static List<MatchResult.Metadata> match(String glob) throws IOException {
    MatchResult r = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
    if (r.status() == MatchResult.Status.NOT_FOUND) {
      return List.of();
    }
    return new ArrayList<>(r.metadata());
  }

  static Optional<MatchResult.Metadata> stat(ResourceId file) throws IOException {
    MatchResult r = FileSystems.match(file.toString(), EmptyMatchTreatment.ALLOW);
    if (r.status() != MatchResult.Status.OK || r.metadata().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(r.metadata().get(0));
  }

  static SeekableByteChannel openSeekable(String path) throws IOException {
    ReadableByteChannel ch = FileSystems.open(FileSystems.matchNewResource(path, false));
    if (ch instanceof SeekableByteChannel s) {
      return s;
    }
    ch.close();
    throw new IOException(path + ": this file system cannot read by range");
  }

  static byte[] readAll(ResourceId file) throws IOException {
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      return in.readAllBytes();
    }
  }

  static Optional<String> readText(ResourceId file) throws IOException {
    try {
      return Optional.of(new String(readAll(file), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Where to write {@code target} before {@link #commit}: a temporary file beside a local target,
   * the target itself on an object store (see the class comment).
   */
  static ResourceId temp(ResourceId target) {
    if (writesInPlace(target)) {
      return target;
    }
    ResourceId dir = target.getCurrentDirectory();
    return dir.resolve(TEMP_DIR, ResolveOptions.StandardResolveOptions.RESOLVE_DIRECTORY)
        .resolve(target.getFilename(), ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }

  static WritableByteChannel create(ResourceId file) throws IOException {
    if (file.getScheme().equals("file")) {
      // Beam's local file system wraps a stream and writes 8 KiB at a time; a FileChannel
      // takes the writer's 1 MiB buffers whole.
      Path path = Path.of(file.toString());
      Files.createDirectories(path.getParent());
      return FileChannel.open(
          path,
          StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    }
    return FileSystems.create(file, MimeTypes.BINARY);
  }

  /** Whether {@code target} is written under its final name (objects appear only when whole). */
  static boolean writesInPlace(ResourceId target) {
    return !target.getScheme().equals("file");
  }

  static void commit(ResourceId temp, ResourceId target) throws IOException {
    if (temp.equals(target)) {
      return;
    }
    FileSystems.rename(
        List.of(temp), List.of(target), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
  }

  static void writeAtomically(ResourceId target, byte[] bytes) throws IOException {
    ResourceId temp = temp(target);
    try (WritableByteChannel out = create(temp)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        out.write(buf);
      }
    } catch (IOException e) {
      // A full disk says "No space left on device" and nothing else: name the file.
      throw WriteChunks.named(temp, e);
    }
    commit(temp, target);
  }

  /** Removes the (now empty) local temporary folder; object stores have no folders to remove. */
  static void deleteTempFolder(String output) {
    ResourceId dir = FileSystems.matchNewResource(folder(output) + TEMP_DIR, true);
    if (dir.getScheme().equals("file")) {
      try {
        Files.deleteIfExists(Path.of(dir.toString()));
      } catch (IOException e) {
        // Not empty (another run is writing) or already gone: harmless either way.
      }
    }
  }

  /**
   * Removes what killed runs left in the output's temporary folder. Called only while the run holds
   * the folder's claim, so no live run is writing there.
   */
  static int deleteStaleTemps(String output) throws IOException {
    List<ResourceId> stale = new ArrayList<>();
    for (MatchResult.Metadata m : match(folder(output) + TEMP_DIR + "*")) {
      if (!m.resourceId().isDirectory()) {
        stale.add(m.resourceId());
      }
    }
    delete(stale);
    return stale.size();
  }

  static void delete(List<ResourceId> files) throws IOException {
    if (!files.isEmpty()) {
      FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }
}
