package dev.splitflow.output;

import dev.splitflow.io.DiscardChannel;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtWriter;
import dev.splitflow.pt.RecordCodec;
import dev.splitflow.pt.SourceDecoders;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.SourceFile;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Makes chosen chunks again from the batch files and the indices, without a runner and without
 * writing anything: the records each chunk must hold, in its order, streamed through the split's
 * own codec and chunk writer ({@link RecordCodec}, {@link PtWriter}) into {@link Checksums} that
 * keep no byte. What it reads: each batch file's {@code data.pkl} that holds a chosen record, and
 * the tensor bytes of the chosen records; what it holds: one small reference per chosen record.
 *
 * <p>The pipeline's {@code verify --input} recomputes every chunk on Beam's DirectRunner; this is
 * the same computation for a chosen set of chunks, for places without a runner (the verify
 * function). Both produce byte-identical chunks, which a test checks.
 */
public final class ChunkRecompute {
  private ChunkRecompute() {}

  /** Opens a batch file the indices list, for random access. */
  @FunctionalInterface
  public interface Opener {
    SeekableByteChannel open(SourceFile source) throws IOException;
  }

  /** Where one record of a chosen chunk comes from. */
  private record Slot(SourceFile source, int index) {}

  /**
   * Recomputes the named chunks (names from the manifest; a name the indices make no chunk of is
   * left out of the result).
   *
   * @param deadlineNanos {@link System#nanoTime()} past which no further chunk is started
   * @return the chunks made, in the order asked, as the split writes them
   */
  public static List<ChunkInfo> recompute(
      IndicesFile indices, List<String> chunkNames, Opener opener, long deadlineNanos)
      throws IOException {
    Map<String, long[]> members = new LinkedHashMap<>();
    for (String name : chunkNames) {
      long[] globals = members(indices, name);
      if (globals != null) {
        members.put(name, globals);
      }
    }
    List<SourceFile> sources = new ArrayList<>(indices.sources());
    sources.sort((a, b) -> Long.compare(a.firstIndex(), b.firstIndex()));
    List<ChunkInfo> out = new ArrayList<>();
    List<Map.Entry<String, long[]>> all = new ArrayList<>(members.entrySet());
    // In waves, so a time limit still leaves whole chunks checked; each wave reads the data.pkl
    // of the batch files its records come from once.
    for (int from = 0; from < all.size(); from += WAVE) {
      if (System.nanoTime() - deadlineNanos > 0) {
        break;
      }
      wave(
          all.subList(from, Math.min(all.size(), from + WAVE)),
          sources,
          opener,
          deadlineNanos,
          out);
    }
    return out;
  }

  /** Chunks recomputed per pass over the batch files they draw from. */
  static final int WAVE = 16;

  private static void wave(
      List<Map.Entry<String, long[]>> chunks,
      List<SourceFile> sources,
      Opener opener,
      long deadlineNanos,
      List<ChunkInfo> out)
      throws IOException {
    // Per batch file, the positions wanted and the global index each has.
    Map<SourceFile, TreeMap<Integer, Long>> wanted = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> chunk : chunks) {
      for (long g : chunk.getValue()) {
        Slot s = slot(sources, g);
        wanted.computeIfAbsent(s.source(), k -> new TreeMap<>()).put(s.index(), g);
      }
    }
    Map<Long, byte[]> encoded = new HashMap<>();
    Map<Long, SourceFile> from = new HashMap<>();
    RecordCodec.Writer writer = new RecordCodec.Writer();
    for (Map.Entry<SourceFile, TreeMap<Integer, Long>> e : wanted.entrySet()) {
      encode(e.getKey(), e.getValue(), opener, writer, encoded, from);
    }
    try (SourceDecoders<SourceFile> decoders =
        new SourceDecoders<>(opener::open, SourceFile::path)) {
      for (Map.Entry<String, long[]> chunk : chunks) {
        if (System.nanoTime() - deadlineNanos > 0) {
          break;
        }
        out.add(make(chunk.getKey(), chunk.getValue(), encoded, from, decoders));
      }
    }
  }

  /** Each wanted record of one batch file, encoded as the split encodes it (no tensor bytes). */
  private static void encode(
      SourceFile source,
      TreeMap<Integer, Long> positions,
      Opener opener,
      RecordCodec.Writer writer,
      Map<Long, byte[]> encoded,
      Map<Long, SourceFile> from)
      throws IOException {
    try (SeekableByteChannel ch = opener.open(source)) {
      int n =
          PtFile.forEachRecord(
              ch,
              source.path(),
              (i, record) -> {
                Long g = positions.get(i);
                if (g != null) {
                  ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
                  writer.encode(record, bytes);
                  encoded.put(g, bytes.toByteArray());
                  from.put(g, source);
                }
              });
      if (n != source.records()) {
        throw new SplitException(
            source.path()
                + ": has "
                + n
                + " records, the indices say "
                + source.records()
                + "; the batch file changed after the split");
      }
    }
  }

  private static ChunkInfo make(
      String name,
      long[] globals,
      Map<Long, byte[]> encoded,
      Map<Long, SourceFile> from,
      SourceDecoders<SourceFile> decoders)
      throws IOException {
    ChunkNames.Parsed parsed = ChunkNames.parse(name).orElseThrow();
    Checksums sums = new Checksums(new DiscardChannel());
    try (PtWriter w = new PtWriter(sums, PtWriter.archiveNameFor(name))) {
      // As the pipeline's chunk writer does: plan first, so storages several records view are
      // written once, then append; each pass decodes only the records' metadata.
      for (long g : globals) {
        w.plan(decoders.of(from.get(g)).decode(encoded.get(g)));
      }
      for (long g : globals) {
        w.append(decoders.of(from.get(g)).decode(encoded.get(g)));
      }
    }
    return new ChunkInfo(
        name,
        parsed.split(),
        parsed.number(),
        globals.length,
        sums.bytes(),
        sums.crc32c(),
        sums.sha256Hex());
  }

  /** The global indices of a chunk's records in its order, or null for a chunk not in the plan. */
  static long[] members(IndicesFile indices, String name) {
    ChunkNames.Parsed p = ChunkNames.parse(name).orElse(null);
    if (p == null) {
      return null;
    }
    Split split = p.split();
    long[] list = indices.indices(split);
    long start = (long) p.number() * indices.chunkSize();
    if (start >= list.length) {
      return null;
    }
    return Arrays.copyOfRange(
        list, (int) start, (int) Math.min(list.length, start + indices.chunkSize()));
  }

  private static Slot slot(List<SourceFile> sources, long global) {
    int lo = 0;
    int hi = sources.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      SourceFile s = sources.get(mid);
      if (global < s.firstIndex()) {
        hi = mid - 1;
      } else if (global >= s.firstIndex() + s.records()) {
        lo = mid + 1;
      } else {
        return new Slot(s, (int) (global - s.firstIndex()));
      }
    }
    throw new IllegalArgumentException("record " + global + " is in no source of the indices");
  }

  /**
   * What a chunk the manifest lists should be, against what it says; empty when they agree. The
   * message names the chunk and both sides, as {@code verify --input} does.
   */
  public static List<OutputVerifier.Failure> compare(
      Manifest manifest, List<ChunkInfo> recomputed) {
    Map<String, ChunkInfo> listed = new HashMap<>();
    for (ChunkInfo c : manifest.chunks()) {
      listed.put(c.name(), c);
    }
    List<OutputVerifier.Failure> failures = new ArrayList<>();
    for (ChunkInfo want : recomputed) {
      ChunkInfo have = listed.get(want.name());
      if (have == null) {
        continue;
      }
      mismatch(want, have).ifPresent(failures::add);
    }
    return failures;
  }

  /**
   * The failure when {@code listed} (a manifest entry) is not {@code want} (what the input and
   * indices make), naming the chunk and both sides; empty when they agree.
   */
  public static Optional<OutputVerifier.Failure> mismatch(ChunkInfo want, ChunkInfo listed) {
    if (want.records() == listed.records()
        && want.bytes() == listed.bytes()
        && want.sha256().equals(listed.sha256())
        && want.crc32c().equals(listed.crc32c())) {
      return Optional.empty();
    }
    return Optional.of(
        new OutputVerifier.Failure(
            "chunk recomputed",
            listed.name()
                + " is not what the input and indices make: expected "
                + want.records()
                + " records, "
                + want.bytes()
                + " bytes, SHA-256 "
                + want.sha256()
                + "; the manifest says "
                + listed.records()
                + " records, "
                + listed.bytes()
                + " bytes, SHA-256 "
                + listed.sha256()));
  }
}
