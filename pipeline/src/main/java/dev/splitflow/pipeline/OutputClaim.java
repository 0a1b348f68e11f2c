package dev.splitflow.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ClaimFile;
import dev.splitflow.split.SplitException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.extensions.gcp.util.GcsUtil;
import org.apache.beam.sdk.extensions.gcp.util.gcsfs.GcsPath;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A run's exclusive claim on its output folder, {@code _SPLITFLOW_CLAIM.json}, taken before the
 * run's first change there and released when it ends. Locally the file is created atomically
 * ({@code CREATE_NEW}); on {@code gs://} the object is created with {@code ifGenerationMatch=0}, as
 * the launch function claims a run. It holds who holds it: the holder, host, process id, start time
 * and a random token that only this run knows.
 *
 * <p>Stale rule (docs/operations.md): a local claim made on this host by a process that no longer
 * runs is taken over (renamed aside atomically, so two runs cannot both take it). Any other claim
 * stops the run with who holds it; the user removes a claim only after checking its holder is gone.
 */
final class OutputClaim implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String NAME = ChunkNames.CLAIM;
  private static final Logger LOG = Logger.getLogger(OutputClaim.class.getName());

  private final String path;
  private final String token;
  private final boolean madeFolder;

  private OutputClaim(String path, String token, boolean madeFolder) {
    this.path = path;
    this.token = token;
    this.madeFolder = madeFolder;
  }

  /** The claim file of an output folder. */
  static String pathIn(String outputFolder) {
    return BeamFiles.resolve(outputFolder, NAME).toString();
  }

  String path() {
    return path;
  }

  String token() {
    return token;
  }

  /**
   * Takes the claim on {@code outputFolder} (creating a local folder), or stops with who holds it.
   *
   * @param holder what holds it, e.g. {@code splitflow split}
   * @param runId the launch function's run this run works for, or null: a claim made for the same
   *     run (by the launch function, before it wrote the indices) is continued, not refused
   */
  static OutputClaim take(String outputFolder, String holder, String runId, PipelineOptions options)
      throws IOException {
    String path = pathIn(outputFolder);
    String token = UUID.randomUUID().toString();
    byte[] content = ClaimFile.describe(holder, runId, token).getBytes(StandardCharsets.UTF_8);
    Store store = Store.of(path, options);
    boolean madeFolder = store.local() && !Files.exists(Path.of(path).getParent());
    for (int attempt = 0; attempt < 2; attempt++) {
      if (store.createExclusive(content)) {
        return new OutputClaim(path, token, madeFolder);
      }
      Optional<byte[]> existing = store.read();
      if (existing.isEmpty()) {
        continue; // released between our create and our read: try again
      }
      if (ClaimFile.isForRun(existing.get(), runId)) {
        LOG.info(() -> "continuing the claim on " + outputFolder + " taken for run " + runId);
        return new OutputClaim(path, ClaimFile.token(existing.get()), false);
      }
      JsonNode held = ClaimFile.parse(existing.get());
      if (!isStaleLocal(store, held) || !store.takeOver(existing.get())) {
        throw new SplitException(ClaimFile.refusal(outputFolder, path, existing.get()));
      }
    }
    throw new SplitException(
        outputFolder + " is being claimed by another run at this moment (" + path + "); try again");
  }

  static OutputClaim take(String outputFolder, String holder, PipelineOptions options)
      throws IOException {
    return take(outputFolder, holder, null, options);
  }

  /** Whether the claim file still holds this run's token (another run may have taken it over). */
  boolean isHeld(PipelineOptions options) throws IOException {
    Optional<byte[]> now = Store.of(path, options).read();
    return now.isPresent() && token.equals(parse(now.get()).path("token").asText());
  }

  /** Removes the claim if it is still this run's; another run's claim is left alone. */
  void release(PipelineOptions options) throws IOException {
    if (isHeld(options)) {
      Store store = Store.of(path, options);
      store.delete();
      if (madeFolder) {
        try {
          // A run that made the folder and failed before writing leaves no empty folder behind.
          Files.delete(Path.of(path).getParent());
        } catch (IOException notEmpty) {
          // it holds something: keep it
        }
      }
    }
  }

  static String host() {
    return ClaimFile.host();
  }

  private static JsonNode parse(byte[] bytes) {
    return ClaimFile.parse(bytes);
  }

  /** Made on this host by a process that is no longer alive (a killed or crashed local run). */
  static boolean isStaleLocal(Store store, JsonNode held) {
    if (!store.local() || !held.path("pid").canConvertToLong()) {
      return false;
    }
    long pid = held.path("pid").asLong();
    return held.path("host").asText().equals(host())
        && pid > 0
        && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }

  /** Where a claim file lives: a local file or a Cloud Storage object. */
  interface Store {
    boolean local();

    /** Creates the claim only if none exists; false if one does. */
    boolean createExclusive(byte[] content) throws IOException;

    Optional<byte[]> read() throws IOException;

    void delete() throws IOException;

    /** Replaces a stale claim whose content is {@code stale}; false if it changed meanwhile. */
    boolean takeOver(byte[] stale) throws IOException;

    static Store of(String path, PipelineOptions options) {
      ResourceId id = FileSystems.matchNewResource(path, false);
      return switch (id.getScheme()) {
        case "file" -> new LocalStore(Path.of(id.toString()));
        case "gs" -> new GcsStore(GcsPath.fromUri(path), options.as(GcsOptions.class).getGcsUtil());
        default ->
            throw new SplitException(
                path + ": outputs go to a local folder or gs://; cannot claim " + id.getScheme());
      };
    }
  }

  /**
   * A claim file on the local disk: created with {@code CREATE_NEW}, so the file system decides the
   * race.
   */
  static final class LocalStore implements Store {
    private final Path file;

    LocalStore(Path file) {
      this.file = file;
    }

    @Override
    public boolean local() {
      return true;
    }

    @Override
    public boolean createExclusive(byte[] content) throws IOException {
      Files.createDirectories(file.getParent());
      try {
        Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }

    @Override
    public Optional<byte[]> read() throws IOException {
      try {
        return Optional.of(Files.readAllBytes(file));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }

    @Override
    public void delete() throws IOException {
      Files.deleteIfExists(file);
    }

    @Override
    public boolean takeOver(byte[] stale) throws IOException {
      // Renamed aside first: of two runs taking over the same stale claim, one rename succeeds.
      Path aside = file.resolveSibling(NAME + ".stale-" + UUID.randomUUID());
      try {
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return true; // someone else moved it; our next create decides
      }
      boolean same = Arrays.equals(Files.readAllBytes(aside), stale);
      if (!same) {
        // A live claim replaced the stale one between our read and the rename: put it back.
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
        return false;
      }
      Files.delete(aside);
      return true;
    }
  }

  /**
   * A claim object on Cloud Storage: created with {@code ifGenerationMatch=0}, so the bucket
   * decides the race.
   */
  static final class GcsStore implements Store {
    private final GcsPath object;
    private final GcsUtil gcs;

    GcsStore(GcsPath object, GcsUtil gcs) {
      this.object = object;
      this.gcs = gcs;
    }

    @Override
    public boolean local() {
      return false;
    }

    @Override
    public boolean createExclusive(byte[] content) throws IOException {
      GcsUtil.CreateOptions once =
          GcsUtil.CreateOptions.builder()
              .setContentType("application/json")
              .setExpectFileToNotExist(true) // ifGenerationMatch=0
              .build();
      try (var out = gcs.create(object, once)) {
        out.write(ByteBuffer.wrap(content));
      } catch (IOException e) {
        // The precondition failure arrives as an error on close; an existing claim explains it.
        if (read().isPresent()) {
          return false;
        }
        throw e;
      }
      return true;
    }

    @Override
    public Optional<byte[]> read() throws IOException {
      try (var in = Channels.newInputStream(gcs.open(object))) {
        return Optional.of(in.readAllBytes());
      } catch (FileNotFoundException | NoSuchFileException e) {
        return Optional.empty();
      }
    }

    @Override
    public void delete() throws IOException {
      gcs.remove(List.of(object.toString()));
    }

    @Override
    public boolean takeOver(byte[] stale) {
      return false; // no process to check on a bucket: the user decides (see refusal)
    }
  }
}
