package dev.splitflow.pt;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One {@link RecordCodec.Decoder} per batch file, for code that writes chunks from records of many
 * files: each file is opened once, on its first record, and stays open for the others (a chunk's
 * records come from the same few files), and all are closed together. Not thread-safe, as the
 * decoders are not.
 *
 * @param <K> what names a batch file to the caller (a path, a source with its record count)
 */
public final class SourceDecoders<K> implements AutoCloseable {
  /** Opens the batch file a key names. */
  public interface Opener<K> {
    SeekableByteChannel open(K file) throws IOException;
  }

  private final Opener<K> opener;
  private final Function<K, String> name;
  private final Map<K, SeekableByteChannel> channels = new HashMap<>();
  private final Map<K, RecordCodec.Decoder> decoders = new HashMap<>();

  /**
   * @param opener opens a batch file for its tensor bytes
   * @param name the file's name in error messages
   */
  public SourceDecoders(Opener<K> opener, Function<K, String> name) {
    this.opener = opener;
    this.name = name;
  }

  /** The decoder of {@code file}'s records, opening the file on first use. */
  public RecordCodec.Decoder of(K file) throws IOException {
    RecordCodec.Decoder d = decoders.get(file);
    if (d == null) {
      SeekableByteChannel ch = opener.open(file);
      channels.put(file, ch);
      d = new RecordCodec.Decoder(ch, name.apply(file));
      decoders.put(file, d);
    }
    return d;
  }

  /** Closes every file opened; all of them, even when one fails (its error is thrown). */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SeekableByteChannel ch : channels.values()) {
      try {
        ch.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    channels.clear();
    decoders.clear();
    if (first != null) {
      throw first;
    }
  }
}
