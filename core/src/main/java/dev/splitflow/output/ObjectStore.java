package dev.splitflow.output;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * The few operations the verifier needs from where an output folder lives: a local folder here, a
 * Cloud Storage prefix in the cloud verifier (object metadata only, plus ranged reads).
 */
public interface ObjectStore {

  /** An object's name (relative to the folder), size and CRC32C (base64, null if unknown). */
  record ObjectInfo(String name, long size, String crc32c) {}

  /** Where the folder is, for messages. */
  String location();

  Optional<ObjectInfo> stat(String name) throws IOException;

  /** Objects directly in the folder. */
  List<ObjectInfo> list() throws IOException;

  /** A small object's whole content (the manifest, the indices file). */
  byte[] read(String name) throws IOException;

  /** Ranged reads of an object, to open a chunk's directory and data.pkl. */
  SeekableByteChannel open(String name) throws IOException;
}
