package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ObjectStore;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * An output folder read through Beam's FileSystems ({@code gs://} for {@code verify --input}).
 * Sizes come from the listing; CRC32C is left unknown (null), so the verifier compares the bytes it
 * reads instead.
 */
final class BeamFolder implements ObjectStore {
  private final String folder;

  BeamFolder(String folder) {
    this.folder = BeamFiles.folder(folder);
  }

  @Override
  public String location() {
    return folder;
  }

  private String path(String name) throws IOException {
    if (!ChunkNames.isPlainName(name)) {
      throw new IOException(name + ": not a plain object name; it would leave " + folder);
    }
    return folder + name;
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    return BeamFiles.stat(BeamFiles.resolveFile(path(name)))
        .map(m -> new ObjectInfo(name, m.sizeBytes(), null));
  }

  @Override
  public List<ObjectInfo> list() throws IOException {
    List<ObjectInfo> out = new ArrayList<>();
    for (MatchResult.Metadata m : BeamFiles.match(folder + "*")) {
      if (!m.resourceId().isDirectory()) {
        out.add(new ObjectInfo(m.resourceId().getFilename(), m.sizeBytes(), null));
      }
    }
    return out;
  }

  @Override
  public byte[] read(String name) throws IOException {
    return BeamFiles.readAll(BeamFiles.resolveFile(path(name)));
  }

  @Override
  public SeekableByteChannel open(String name) throws IOException {
    return BeamFiles.openSeekable(path(name));
  }
}
