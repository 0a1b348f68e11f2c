package dev.splitflow.functions.testing;

import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.output.ChunkNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The pipeline's shaded jar (built by the reactor before this module) and uploads of folders. */
public final class Pipeline {
  private Pipeline() {}

  public static Path repoRoot() {
    String root = System.getProperty("splitflow.repo.root");
    Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("pipeline/pom.xml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root");
    }
    return p;
  }

  /** {@code pipeline/target/splitflow-pipeline-*-all.jar}; fails with the command to build it. */
  public static Path jar() throws IOException {
    Path target = repoRoot().resolve("pipeline/target");
    if (Files.isDirectory(target)) {
      try (DirectoryStream<Path> s =
          Files.newDirectoryStream(target, "splitflow-pipeline-*-all.jar")) {
        for (Path p : s) {
          return p;
        }
      }
    }
    throw new IllegalStateException(
        "no pipeline jar in " + target + "; build it: mvn -pl pipeline -am package -DskipTests");
  }

  /** Runs {@code splitflow split} in a child process, as the local launcher does. */
  public static void split(Path in, Path out, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("split");
    cmd.add("--input=" + in + "/");
    cmd.add("--output=" + out + "/");
    cmd.addAll(List.of(extra));
    Path log = Files.createTempFile("split", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("split failed: " + Files.readString(log));
    }
  }

  /** Uploads every file of a folder under a prefix, the manifest last (as the pipeline does). */
  public static void upload(Storage storage, Path dir, String bucket, String prefix)
      throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(files::add);
    }
    files.sort((a, b) -> Boolean.compare(isManifest(a), isManifest(b)));
    for (Path f : files) {
      if (Files.isRegularFile(f)) {
        storage.create(
            BlobInfo.newBuilder(bucket, prefix + f.getFileName()).build(), Files.readAllBytes(f));
      }
    }
  }

  private static boolean isManifest(Path p) {
    return p.getFileName().toString().equals(ChunkNames.MANIFEST);
  }
}
