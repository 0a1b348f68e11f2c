package dev.splitflow.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The verifier's cross-checks that need more than object metadata: the manifest's copy of the
 * configuration and strata against the indices file it names, and every chunk's bytes read whole
 * against its size, CRC32C and SHA-256.
 */
final class ManifestChecks {
  private ManifestChecks() {}

  /** The configuration fields the manifest copies from the indices' metadata. */
  static final List<String> CONFIG_FIELDS =
      List.of("seed", "ratios", "strata_fields", "group_by", "chunk_size", "rank_function");

  static void againstIndices(
      Manifest manifest, byte[] indexBytes, List<OutputVerifier.Failure> failures) {
    JsonNode metadata;
    try {
      // Lenient on purpose: the indices check judges the file (and reports a key given twice);
      // this one only compares the configuration it finds.
      metadata = Json.lenientReader().readTree(indexBytes).path("metadata");
    } catch (IOException e) {
      return; // the indices check has already said the file is not JSON
    }
    for (String field : CONFIG_FIELDS) {
      JsonNode mine = manifest.config().path(field);
      JsonNode theirs = metadata.path(field);
      if (!sameJson(mine, theirs)) {
        failures.add(
            new OutputVerifier.Failure(
                "manifest config",
                "config."
                    + field
                    + " is "
                    + shown(mine)
                    + ", the indices' metadata says "
                    + shown(theirs)));
      }
    }
    if (!sameJson(manifest.strata(), metadata.path("strata"))) {
      failures.add(
          new OutputVerifier.Failure(
              "manifest strata",
              "the manifest's strata differ from the indices' metadata.strata (the manifest was"
                  + " edited, or belongs to other indices)"));
    }
    lineage(manifest, metadata.path("lineage"), failures);
  }

  /**
   * An extension's counts, which the summary reports: the manifest's lineage must be the indices'
   * ({@code metadata.lineage}), every record of a split kept or added, and the chunks it names as
   * new or changed must be listed chunks. A manifest without lineage goes with indices without.
   */
  static void lineage(Manifest manifest, JsonNode indices, List<OutputVerifier.Failure> failures) {
    Manifest.Lineage l = manifest.lineage();
    boolean extension = indices.isObject();
    if (l == null || !extension) {
      if (l != null || extension) {
        failures.add(
            new OutputVerifier.Failure(
                "manifest lineage",
                l == null
                    ? "the indices extend "
                        + shown(indices.path("previous_digest"))
                        + " but the manifest has no lineage (it was edited, or belongs to other"
                        + " indices)"
                    : "the manifest has a lineage but the indices extend no previous version"));
      }
      return;
    }
    List<String> differ = new ArrayList<>();
    if (!l.previousIndices().equals(indices.path("previous_digest").asText())) {
      differ.add(
          "previous_indices is "
              + l.previousIndices()
              + ", the indices' metadata.lineage.previous_digest is "
              + shown(indices.path("previous_digest")));
    }
    Map<String, SplitCounts> mine =
        Map.of("kept", l.kept(), "added", l.added(), "removed", l.removed());
    for (String f : List.of("kept", "added", "removed")) {
      for (Split s : Split.values()) {
        long m = mine.get(f).get(s);
        JsonNode theirs = indices.path(f).path(s.jsonName());
        if (!theirs.isIntegralNumber() || theirs.longValue() != m) {
          differ.add(
              f + "_records." + s.jsonName() + " is " + m + ", the indices say " + shown(theirs));
        }
      }
    }
    for (Split s : Split.values()) {
      long have = manifest.splits().get(s).records();
      long sum = l.kept().get(s) + l.added().get(s);
      if (have != sum) {
        differ.add(
            s.jsonName()
                + " has "
                + have
                + " records, but kept plus added is "
                + sum
                + " (every record of a version is kept or added)");
      }
    }
    Set<String> listed = new HashSet<>();
    manifest.chunks().forEach(c -> listed.add(c.name()));
    for (String name : l.newOrChangedChunks()) {
      if (!listed.contains(name)) {
        differ.add(
            "new_or_changed_chunks names " + shown(name) + ", which the manifest does not list");
      }
    }
    int unchanged = manifest.chunks().size() - new HashSet<>(l.newOrChangedChunks()).size();
    if (l.unchangedChunks() != unchanged) {
      differ.add(
          "unchanged_chunks is "
              + l.unchangedChunks()
              + ", but the manifest lists "
              + manifest.chunks().size()
              + " chunks of which "
              + l.newOrChangedChunks().size()
              + " are new or changed");
    }
    for (String d : differ) {
      failures.add(new OutputVerifier.Failure("manifest lineage", d));
    }
  }

  private static String shown(String s) {
    return s.length() > 80 ? "\"" + s.substring(0, 80) + "...\"" : "\"" + s + "\"";
  }

  /** Equal JSON, numbers compared by value (0.7 and 0.70 are the same ratio). */
  private static boolean sameJson(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isArray() && b.isArray() || a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      if (a.isArray()) {
        for (int i = 0; i < a.size(); i++) {
          if (!sameJson(a.get(i), b.get(i))) {
            return false;
          }
        }
        return true;
      }
      for (var e : a.properties()) {
        if (!b.has(e.getKey()) || !sameJson(e.getValue(), b.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  private static String shown(JsonNode n) {
    String s = n.isMissingNode() ? "missing" : n.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** Reads every listed chunk whole: its size, CRC32C and SHA-256 must be the manifest's. */
  static void chunkBytes(
      ObjectStore store, Manifest manifest, List<OutputVerifier.Failure> failures)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    for (ChunkInfo c : manifest.chunks()) {
      var info = store.stat(c.name());
      if (info.isEmpty()
          || info.get().size() != c.bytes()
          || info.get().crc32c() != null && !info.get().crc32c().equals(c.crc32c())) {
        continue; // reported from the metadata already
      }
      MessageDigest sha = Checksums.sha256();
      CRC32C crc = new CRC32C();
      long size = 0;
      try (SeekableByteChannel ch = store.open(c.name())) {
        buf.clear();
        for (int n; (n = ch.read(buf)) >= 0; buf.clear()) {
          buf.flip();
          crc.update(buf.duplicate());
          sha.update(buf);
          size += n;
        }
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      String crc32c = Checksums.crc32cBase64((int) crc.getValue());
      if (size != c.bytes()) {
        failures.add(
            new OutputVerifier.Failure(
                "chunk bytes",
                c.name() + " reads " + size + " bytes, the manifest says " + c.bytes()));
      } else if (!crc32c.equals(c.crc32c())) {
        failures.add(
            new OutputVerifier.Failure(
                "chunk bytes",
                c.name() + " reads with CRC32C " + crc32c + ", the manifest says " + c.crc32c()));
      } else if (!hex.equals(c.sha256())) {
        failures.add(
            new OutputVerifier.Failure(
                "chunk sha256",
                c.name() + " has SHA-256 " + hex + ", the manifest says " + c.sha256()));
      }
    }
  }
}
