package dev.splitflow.output;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** An output folder on the local disk; CRC32C is computed by reading the file, as GCS stores it. */
public final class LocalFolder implements ObjectStore {
  private final Path dir;

  public LocalFolder(Path dir) {
    this.dir = dir;
  }

  @Override
  public String location() {
    return dir.toString();
  }

  /** A file directly in the folder; a name that would leave it is refused. */
  private Path file(String name) throws IOException {
    if (!ChunkNames.isPlainName(name)) {
      throw new IOException(name + ": not a plain file name; it would leave " + dir);
    }
    return dir.resolve(name);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    Path p = file(name);
    if (!Files.isRegularFile(p)) {
      return Optional.empty();
    }
    return Optional.of(info(p));
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        out.add(info(p));
      }
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(dir + ": no such folder");
    }
    return out;
  }

  private static ObjectInfo info(Path p) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(p)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    }
    return new ObjectInfo(
        p.getFileName().toString(), Files.size(p), Checksums.crc32cBase64((int) crc.getValue()));
  }

  @Override
  public byte[] read(String name) throws IOException {
    return Files.readAllBytes(file(name));
  }

  @Override
  public SeekableByteChannel open(String name) throws IOException {
    return FileChannel.open(file(name));
  }
}
