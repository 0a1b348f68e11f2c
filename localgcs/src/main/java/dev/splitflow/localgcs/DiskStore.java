package dev.splitflow.localgcs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Buckets and objects in a folder a person can look at: object {@code NAME} of bucket {@code B} is
 * the file {@code DIR/B/NAME}; its metadata is {@code DIR/.localgcs/objects/B/NAME.json}.
 *
 * <p>Every change takes one lock, so a precondition is checked against exactly the generation the
 * change replaces. Bytes are written to a temporary file first and moved into place, and readers
 * open the file under the lock, so a reader always gets the bytes of the generation it was told.
 */
public final class DiskStore {

  /** What changed, for notifications. */
  public record Change(String eventType, ObjectMeta object, Long otherGeneration) {}

  /** An object opened for reading: the metadata and a channel on exactly that generation. */
  record Opened(ObjectMeta meta, FileChannel channel) {}

  private final Path root;
  private final Path metaRoot;
  private final Path tmp;
  private final Object lock = new Object();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
  private long lastGeneration;

  public DiskStore(Path root) throws IOException {
    this.root = root.toAbsolutePath();
    this.metaRoot = this.root.resolve(".localgcs").resolve("objects");
    this.tmp = this.root.resolve(".localgcs").resolve("tmp");
    Files.createDirectories(metaRoot);
    Files.createDirectories(tmp);
  }

  public Path root() {
    return root;
  }

  /** Calls {@code listener} after every committed change (tests record who changed what). */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** A fresh temporary file for bytes on their way in. */
  Path newTempFile() throws IOException {
    return Files.createTempFile(tmp, "in-", ".tmp");
  }

  Path uploadsDir() throws IOException {
    return Files.createDirectories(root.resolve(".localgcs").resolve("uploads"));
  }

  public void createBucket(String bucket) throws IOException, GcsError {
    Names.checkBucket(bucket);
    Files.createDirectories(root.resolve(bucket));
    Files.createDirectories(metaRoot.resolve(bucket));
  }

  boolean bucketExists(String bucket) {
    return Names.isBucket(bucket) && Files.isDirectory(root.resolve(bucket));
  }

  void requireBucket(String bucket) throws GcsError {
    if (!bucketExists(bucket)) {
      throw GcsError.noSuchBucket(bucket);
    }
  }

  List<String> buckets() throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (Files.isDirectory(p) && Names.isBucket(n)) {
          out.add(n);
        }
      }
    }
    out.sort(null);
    return out;
  }

  private Path dataPath(String bucket, String name) {
    return root.resolve(bucket).resolve(name);
  }

  private Path metaPath(String bucket, String name) {
    return metaRoot.resolve(bucket).resolve(name + ".json");
  }

  /** The current generation's metadata, or null. */
  ObjectMeta get(String bucket, String name) throws IOException, GcsError {
    requireBucket(bucket);
    if (!Names.isStorable(name)) {
      return null;
    }
    synchronized (lock) {
      return readMeta(bucket, name);
    }
  }

  private ObjectMeta readMeta(String bucket, String name) throws IOException {
    try {
      return ObjectMeta.fromStored(
          LocalJson.MAPPER.readTree(Files.readAllBytes(metaPath(bucket, name))));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Opens the current generation (or {@code generation} if given) after checking conditions. */
  Opened open(String bucket, String name, Long generation, Preconditions pre)
      throws IOException, GcsError {
    requireBucket(bucket);
    if (!Names.isStorable(name)) {
      throw GcsError.noSuchObject(bucket, name);
    }
    synchronized (lock) {
      ObjectMeta m = readMeta(bucket, name);
      if (m == null || (generation != null && generation != m.generation())) {
        throw GcsError.noSuchObject(bucket, name);
      }
      pre.checkRead(m);
      return new Opened(m, FileChannel.open(dataPath(bucket, name), StandardOpenOption.READ));
    }
  }

  /**
   * Makes {@code bytes} (a file from {@link #newTempFile}, moved away on success) the new
   * generation of {@code bucket/name}, if {@code pre} holds for the current one.
   */
  ObjectMeta commit(ObjectMeta draft, Path bytes, Preconditions pre) throws IOException, GcsError {
    String bucket = draft.bucket();
    String name = draft.name();
    requireBucket(bucket);
    Names.checkObject(name);
    ObjectMeta previous;
    ObjectMeta next;
    synchronized (lock) {
      previous = readMeta(bucket, name);
      pre.checkWrite(previous);
      checkNoFileFolderClash(bucket, name);
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      next =
          new ObjectMeta(
              bucket,
              name,
              nextGeneration(),
              1,
              draft.size(),
              draft.contentType(),
              draft.contentEncoding(),
              draft.crc32c(),
              draft.md5(),
              now,
              now,
              draft.metadata(),
              draft.componentCount());
      Path data = dataPath(bucket, name);
      Files.createDirectories(data.getParent());
      Files.move(bytes, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      writeMeta(next);
    }
    if (previous != null) {
      fire(new Change("OBJECT_DELETE", previous, next.generation()));
    }
    fire(new Change("OBJECT_FINALIZE", next, previous == null ? null : previous.generation()));
    return next;
  }

  /** Replaces the metadata (content type, custom metadata) of the current generation. */
  ObjectMeta patch(
      String bucket, String name, Preconditions pre, String contentType, Map<String, String> md)
      throws IOException, GcsError {
    requireBucket(bucket);
    if (!Names.isStorable(name)) {
      throw GcsError.noSuchObject(bucket, name);
    }
    ObjectMeta next;
    synchronized (lock) {
      ObjectMeta m = readMeta(bucket, name);
      if (m == null) {
        throw GcsError.noSuchObject(bucket, name);
      }
      pre.checkWrite(m);
      next =
          m.withMetadata(
              contentType == null ? m.contentType() : contentType,
              md == null ? m.metadata() : md,
              Instant.now().truncatedTo(ChronoUnit.MILLIS));
      writeMeta(next);
    }
    fire(new Change("OBJECT_METADATA_UPDATE", next, null));
    return next;
  }

  void delete(String bucket, String name, Long generation, Preconditions pre)
      throws IOException, GcsError {
    requireBucket(bucket);
    if (!Names.isStorable(name)) {
      throw GcsError.noSuchObject(bucket, name);
    }
    ObjectMeta m;
    synchronized (lock) {
      m = readMeta(bucket, name);
      if (m == null || (generation != null && generation != m.generation())) {
        throw GcsError.noSuchObject(bucket, name);
      }
      pre.checkWrite(m);
      Files.delete(metaPath(bucket, name));
      Files.deleteIfExists(dataPath(bucket, name));
      pruneEmptyParents(metaPath(bucket, name).getParent(), metaRoot.resolve(bucket));
      pruneEmptyParents(dataPath(bucket, name).getParent(), root.resolve(bucket));
    }
    fire(new Change("OBJECT_DELETE", m, null));
  }

  /**
   * Names under {@code prefix}, sorted, starting after {@code startAfter} (exclusive; null for the
   * start). Walks only the folder the prefix names.
   */
  List<String> names(String bucket, String prefix, String startAfter) throws IOException, GcsError {
    requireBucket(bucket);
    Path bucketMeta = metaRoot.resolve(bucket);
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? bucketMeta : bucketMeta.resolve(prefix.substring(0, slash));
    if (!start.normalize().startsWith(bucketMeta) || !Files.isDirectory(start)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    synchronized (lock) {
      try (Stream<Path> s = Files.walk(start)) {
        s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
            .forEach(
                p -> {
                  String rel = bucketMeta.relativize(p).toString().replace('\\', '/');
                  String n = rel.substring(0, rel.length() - ".json".length());
                  if (n.startsWith(prefix) && (startAfter == null || n.compareTo(startAfter) > 0)) {
                    out.add(n);
                  }
                });
      } catch (UncheckedIOException e) {
        // A folder removed by a concurrent delete between listing and reading it.
        if (!(e.getCause() instanceof NoSuchFileException)) {
          throw e;
        }
      }
    }
    out.sort(null);
    return out;
  }

  private void writeMeta(ObjectMeta m) throws IOException {
    Path p = metaPath(m.bucket(), m.name());
    Files.createDirectories(p.getParent());
    Path t = Files.createTempFile(tmp, "meta-", ".json");
    Files.write(
        t, LocalJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(m.toStored()));
    Files.move(t, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Object "a" and object "a/b" cannot both be files; refuse the second clearly. */
  private void checkNoFileFolderClash(String bucket, String name) throws GcsError {
    Path bucketDir = root.resolve(bucket);
    Path data = dataPath(bucket, name);
    if (Files.isDirectory(data)) {
      throw GcsError.invalid(
          "the local storage service keeps objects as files and cannot store '"
              + name
              + "' while objects named '"
              + name
              + "/...' exist");
    }
    for (Path p = data.getParent(); !p.equals(bucketDir); p = p.getParent()) {
      if (Files.isRegularFile(p)) {
        throw GcsError.invalid(
            "the local storage service keeps objects as files and cannot store '"
                + name
                + "' while an object named '"
                + bucketDir.relativize(p).toString().replace('\\', '/')
                + "' exists");
      }
    }
  }

  private static void pruneEmptyParents(Path dir, Path stop) throws IOException {
    for (Path p = dir; p != null && !p.equals(stop) && p.startsWith(stop); p = p.getParent()) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        if (s.iterator().hasNext()) {
          return;
        }
      }
      Files.delete(p);
    }
  }

  private long nextGeneration() {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    lastGeneration = Math.max(micros, lastGeneration + 1);
    return lastGeneration;
  }

  private void fire(Change c) {
    for (Consumer<Change> l : listeners) {
      l.accept(c);
    }
  }

  static String tempName() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
