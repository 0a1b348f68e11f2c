package dev.splitflow.output;

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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
                            s, t.records(), t.chunks(), t.bytes())));
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
                  + ": the split has not finished, or it failed"));
      return new Report(store.location(), failures, null, 0);
    }
    Manifest manifest;
    try {
      manifest =
          Manifest.parse(
              new String(store.read(ChunkNames.MANIFEST), StandardCharsets.UTF_8),
              store.location() + "/" + ChunkNames.MANIFEST);
    } catch (IllegalArgumentException e) {
      failures.add(new Failure("manifest", e.getMessage()));
      return new Report(store.location(), failures, null, 0);
    }

    IndicesFile indices = null;
    Optional<ObjectStore.ObjectInfo> indicesInfo = store.stat(manifest.indicesFile());
    if (indicesInfo.isEmpty()) {
      failures.add(
          new Failure(
              "indices", "the manifest names " + manifest.indicesFile() + ", which is missing"));
    } else {
      byte[] bytes = store.read(manifest.indicesFile());
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

    checkChunkObjects(store, manifest, failures);
    if (indices != null) {
      checkCounts(manifest, indices, failures);
      checkEveryIndexOnce(indices, failures);
    }
    checkStrata(manifest, failures);
    int opened = openChunks == 0 ? 0 : countRecords(store, manifest, openChunks, failures);
    return new Report(store.location(), failures, manifest, opened);
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
    for (String name : present.keySet()) {
      if (ChunkNames.parse(name).isPresent()) {
        failures.add(
            new Failure("unlisted chunk", name + " is in the folder but not in the manifest"));
      }
    }
  }

  private static void checkCounts(Manifest manifest, IndicesFile indices, List<Failure> failures) {
    int size = indices.chunkSize();
    for (Split s : Split.values()) {
      long n = indices.totals().get(s);
      Manifest.SplitTotals t = manifest.splits().get(s.jsonName());
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
      Split s = Split.fromJsonName(c.split());
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
