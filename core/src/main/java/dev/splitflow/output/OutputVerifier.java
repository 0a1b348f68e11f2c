package dev.splitflow.output;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.pt.PtException;
import dev.splitflow.pt.PtFile;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks an output folder against its manifest and indices, from object metadata only (sizes and
 * CRC32C) unless asked to open chunks: every listed chunk present with its size and checksum, no
 * unlisted chunk, counts per split and per chunk as the indices say, every global index exactly
 * once, per-stratum counts within the planner's bounds. {@code ./splitflow verify} and the cloud
 * verifier run this same code.
 */
public final class OutputVerifier {
  private OutputVerifier() {}

  /** One failed check: which, and why, in words a person can act on. */
  @JsonPropertyOrder({"check", "reason"})
  public record Failure(String check, String reason) {
    @Override
    public String toString() {
      return check + ": " + reason;
    }
  }

  /** The outcome. {@code manifest} is null when there was none to read. */
  public record Report(
      String location, List<Failure> failures, Manifest manifest, int chunksOpened) {
    public boolean ok() {
      return failures.isEmpty();
    }

    public String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append(ok() ? "OK " : "FAILED ").append(location).append('\n');
      if (manifest != null) {
        manifest
            .splits()
            .forEach(
                (s, t) ->
                    sb.append(
                        String.format(
                            "  %-5s %8d records %6d chunks %,15d bytes%n",
                            s.jsonName(), t.records(), t.chunks(), t.bytes())));
      }
      if (chunksOpened > 0) {
        sb.append("  opened ").append(chunksOpened).append(" chunks to count their records\n");
      }
      for (Failure f : failures) {
        sb.append("  failed ").append(f).append('\n');
      }
      return sb.toString();
    }
  }

  /**
   * @param openChunks how many chunks to open (directory and data.pkl, by ranged reads) to check
   *     their record counts: 0 for none, -1 for all
   */
  public static Report verify(ObjectStore store, int openChunks) throws IOException {
    List<Failure> failures = new ArrayList<>();
    Optional<ObjectStore.ObjectInfo> manifestInfo = store.stat(ChunkNames.MANIFEST);
    if (manifestInfo.isEmpty()) {
      failures.add(
          new Failure(
              "manifest",
              "no "
                  + ChunkNames.MANIFEST
                  + " in "
                  + store.location()
                  + ": the split has not finished, or it failed"
                  + (store.stat(ChunkNames.CLAIM).isPresent()
                      ? " (a run holds the folder: "
                          + ChunkNames.CLAIM
                          + " says which; it is still writing, or it was stopped)"
                      : "")));
      return new Report(store.location(), failures, null, 0);
    }
    Manifest manifest;
    try {
      manifest =
          Manifest.parse(
              new String(store.read(ChunkNames.MANIFEST), StandardCharsets.UTF_8),
              store.location() + "/" + ChunkNames.MANIFEST);
    } catch (ManifestFormatException e) {
      failures.add(new Failure("manifest", e.getMessage()));
      return new Report(store.location(), failures, null, 0);
    }

    IndicesFile indices = null;
    byte[] indexBytes = null;
    Optional<ObjectStore.ObjectInfo> indicesInfo =
        ChunkNames.isPlainName(manifest.indicesFile())
            ? store.stat(manifest.indicesFile())
            : Optional.empty();
    if (!ChunkNames.isPlainName(manifest.indicesFile())) {
      failures.add(
          new Failure(
              "indices",
              "the manifest's indices.file \""
                  + manifest.indicesFile()
                  + "\" is not a file name in "
                  + store.location()
                  + "; a path that leaves the folder is never followed"));
    } else if (indicesInfo.isEmpty()) {
      failures.add(
          new Failure(
              "indices", "the manifest names " + manifest.indicesFile() + ", which is missing"));
    } else {
      byte[] bytes = store.read(manifest.indicesFile());
      indexBytes = bytes;
      String sha = sha256(bytes);
      if (!sha.equals(manifest.indicesSha256())) {
        failures.add(
            new Failure(
                "indices",
                manifest.indicesFile()
                    + " has SHA-256 "
                    + sha
                    + ", the manifest says "
                    + manifest.indicesSha256()
                    + " (indices changed after the split)"));
      }
      try {
        indices =
            IndicesFile.parse(new String(bytes, StandardCharsets.UTF_8), manifest.indicesFile());
      } catch (RuntimeException e) {
        failures.add(new Failure("indices", e.getMessage()));
      }
    }

    if (!checkChunkNames(manifest, failures)) {
      return new Report(store.location(), failures, manifest, 0);
    }
    checkChunkObjects(store, manifest, failures);
    checkSplitSums(manifest, failures);
    if (indices != null) {
      checkCounts(manifest, indices, failures);
      checkEveryIndexOnce(indices, failures);
      ManifestChecks.againstIndices(manifest, indexBytes, failures);
    }
    checkStrata(manifest, failures);
    int opened = openChunks == 0 ? 0 : countRecords(store, manifest, openChunks, failures);
    if (openChunks < 0) {
      ManifestChecks.chunkBytes(store, manifest, failures);
    }
    return new Report(store.location(), failures, manifest, opened);
  }

  /**
   * Each listed chunk's name is a chunk name (so it stays in the folder), listed once, with the
   * split and number the name says. False when a name is unusable (nothing is opened then).
   */
  private static boolean checkChunkNames(Manifest manifest, List<Failure> failures) {
    boolean usable = true;
    Set<String> seen = new HashSet<>();
    for (ChunkInfo c : manifest.chunks()) {
      Optional<ChunkNames.Parsed> parsed = ChunkNames.parse(c.name());
      if (parsed.isEmpty()) {
        failures.add(
            new Failure(
                "chunk name",
                "the manifest lists \""
                    + c.name()
                    + "\", which is not a chunk name (train|val|test_chunk_NNNNN.pt) in the"
                    + " folder; it is never opened"));
        usable = false;
        continue;
      }
      if (!seen.add(c.name())) {
        failures.add(new Failure("chunk name", c.name() + " is listed twice in the manifest"));
      }
      if (parsed.get().split() != c.split()) {
        failures.add(
            new Failure(
                "chunk split",
                c.name()
                    + ": the manifest's split field says \""
                    + c.split().jsonName()
                    + "\", the name says "
                    + parsed.get().split().jsonName()));
      }
      if (parsed.get().number() != c.number()) {
        failures.add(
            new Failure(
                "chunk number",
                c.name()
                    + ": the manifest's number field says "
                    + c.number()
                    + ", the name says "
                    + parsed.get().number()));
      }
    }
    return usable;
  }

  /** The manifest's per-split totals are the sums over its chunk list. */
  private static void checkSplitSums(Manifest manifest, List<Failure> failures) {
    for (Split s : Split.values()) {
      long records = 0;
      long bytes = 0;
      int chunks = 0;
      for (ChunkInfo c : manifest.chunks()) {
        if (c.split() == s) {
          records += c.records();
          bytes += c.bytes();
          chunks++;
        }
      }
      Manifest.SplitTotals t = manifest.splits().get(s);
      if (t.records() != records || t.chunks() != chunks || t.bytes() != bytes) {
        failures.add(
            new Failure(
                "split sums",
                "splits."
                    + s.jsonName()
                    + " says "
                    + t.records()
                    + " records, "
                    + t.chunks()
                    + " chunks, "
                    + t.bytes()
                    + " bytes; its chunks add up to "
                    + records
                    + " records, "
                    + chunks
                    + " chunks, "
                    + bytes
                    + " bytes"));
      }
    }
  }

  private static void checkChunkObjects(
      ObjectStore store, Manifest manifest, List<Failure> failures) throws IOException {
    Map<String, ObjectStore.ObjectInfo> present = new HashMap<>();
    for (ObjectStore.ObjectInfo o : store.list()) {
      present.put(o.name(), o);
    }
    for (ChunkInfo c : manifest.chunks()) {
      ObjectStore.ObjectInfo o = present.remove(c.name());
      if (o == null) {
        failures.add(
            new Failure("chunk present", c.name() + " is listed in the manifest but missing"));
      } else if (o.size() != c.bytes()) {
        failures.add(
            new Failure(
                "chunk size",
                c.name() + " has " + o.size() + " bytes, the manifest says " + c.bytes()));
      } else if (o.crc32c() != null && !o.crc32c().equals(c.crc32c())) {
        failures.add(
            new Failure(
                "chunk checksum",
                c.name() + " has CRC32C " + o.crc32c() + ", the manifest says " + c.crc32c()));
      }
    }
    for (String name : new TreeSet<>(present.keySet())) {
      if (ChunkNames.matchesChunkGlob(name)) {
        failures.add(
            new Failure(
                "unlisted chunk",
                name
                    + " is in the folder but not in the manifest; a loader's "
                    + name.substring(0, name.indexOf("_chunk_"))
                    + "_chunk_*.pt glob would read it"));
      }
    }
  }

  private static void checkCounts(Manifest manifest, IndicesFile indices, List<Failure> failures) {
    int size = indices.chunkSize();
    for (Split s : Split.values()) {
      long n = indices.totals().get(s);
      Manifest.SplitTotals t = manifest.splits().get(s);
      long chunks = (n + size - 1) / size;
      if (t == null || t.records() != n || t.chunks() != chunks) {
        failures.add(
            new Failure(
                "split counts",
                s.jsonName()
                    + ": the indices have "
                    + n
                    + " records in "
                    + chunks
                    + " chunks, the manifest "
                    + (t == null
                        ? "none"
                        : t.records() + " records in " + t.chunks() + " chunks")));
      }
    }
    for (ChunkInfo c : manifest.chunks()) {
      Split s = c.split();
      long n = indices.totals().get(s);
      long expected = Math.min(size, n - (long) c.number() * size);
      if (c.records() != expected) {
        failures.add(
            new Failure(
                "chunk records",
                c.name()
                    + " holds "
                    + c.records()
                    + " records, the indices put "
                    + expected
                    + " there"));
      }
    }
  }

  private static void checkEveryIndexOnce(IndicesFile indices, List<Failure> failures) {
    long total = 0;
    for (var src : indices.sources()) {
      total += src.records();
    }
    BitSet seen = new BitSet();
    for (Split s : Split.values()) {
      for (long g : indices.indices(s)) {
        if (g < 0 || g >= total) {
          failures.add(
              new Failure("indices", s.jsonName() + " holds " + g + ", outside 0.." + (total - 1)));
          return;
        }
        if (seen.get((int) g)) {
          failures.add(new Failure("indices", "global index " + g + " appears more than once"));
          return;
        }
        seen.set((int) g);
      }
    }
    if (seen.cardinality() != total) {
      failures.add(
          new Failure(
              "indices",
              (total - seen.cardinality())
                  + " of "
                  + total
                  + " records are in no split (first: "
                  + seen.nextClearBit(0)
                  + ")"));
    }
  }

  private static void checkStrata(Manifest manifest, List<Failure> failures) {
    boolean grouped =
        !manifest.config().path("group_by").isNull()
            && !manifest.config().path("group_by").isMissingNode();
    for (JsonNode st : manifest.strata()) {
      long achievedSum = 0;
      for (Split s : Split.values()) {
        double target = st.path("target").path(s.jsonName()).asDouble();
        long achieved = st.path("achieved").path(s.jsonName()).asLong();
        achievedSum += achieved;
        // Group mode keeps patients whole, so only there may a stratum miss its share by more.
        if (!grouped && Math.abs(achieved - target) >= 1 + 1e-9) {
          failures.add(
              new Failure(
                  "stratum bounds",
                  st.path("key").asText()
                      + " has "
                      + achieved
                      + " records in "
                      + s.jsonName()
                      + ", more than one away from its share "
                      + target));
        }
      }
      if (achievedSum != st.path("count").asLong()) {
        failures.add(
            new Failure(
                "stratum bounds",
                st.path("key").asText() + " counts " + achievedSum + " of " + st.path("count")));
      }
    }
  }

  private static int countRecords(
      ObjectStore store, Manifest manifest, int limit, List<Failure> failures) throws IOException {
    List<ChunkInfo> chunks = manifest.chunks();
    int n = limit < 0 ? chunks.size() : Math.min(limit, chunks.size());
    int opened = 0;
    for (int i = 0; i < n; i++) {
      // An even sample over all chunks, deterministic.
      ChunkInfo c = chunks.get(limit < 0 ? i : (int) ((long) i * chunks.size() / n));
      if (store.stat(c.name()).isEmpty()) {
        continue;
      }
      try (SeekableByteChannel ch = store.open(c.name());
          PtFile f = PtFile.open(ch, c.name())) {
        opened++;
        if (f.records().size() != c.records()) {
          failures.add(
              new Failure(
                  "chunk contents",
                  c.name()
                      + " holds "
                      + f.records().size()
                      + " records, the manifest says "
                      + c.records()));
        }
      } catch (PtException e) {
        failures.add(new Failure("chunk contents", e.getMessage()));
      }
    }
    return opened;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
