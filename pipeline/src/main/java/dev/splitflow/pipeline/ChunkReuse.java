package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.ManifestFormatException;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Lineage;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Which chunk files an extension ({@code --previousIndices}) can leave as they are. A chunk is kept
 * when the output's manifest vouches for it and the plan puts the same records there:
 *
 * <ul>
 *   <li>the manifest was written for the previous version's indices, and the lineage does not list
 *       the chunk as rewritten; or the manifest was written for these very indices (a re-run);
 *   <li>and the file is there with the size the manifest gives.
 * </ul>
 *
 * Records are not re-read to compare bytes: a batch file whose existing records were re-made needs
 * a split from scratch (docs/operations.md).
 */
final class ChunkReuse {
  private ChunkReuse() {}

  /**
   * The chunks to keep, by name, with their manifest entries; null when the indices are not an
   * extension (then every chunk is written, as always).
   */
  static Map<String, ChunkInfo> find(IndicesFile indices, String indicesPath, String output)
      throws IOException {
    Lineage lineage = indices.lineage();
    if (lineage == null) {
      return null;
    }
    Map<String, ChunkInfo> keep = new LinkedHashMap<>();
    Optional<String> text = BeamFiles.readText(BeamFiles.resolve(output, ChunkNames.MANIFEST));
    if (text.isEmpty()) {
      return keep;
    }
    Manifest manifest;
    try {
      manifest = Manifest.parse(text.get(), ChunkNames.MANIFEST);
    } catch (ManifestFormatException e) {
      return keep; // not a manifest this run can trust: write every chunk
    }
    String current = sha256(BeamFiles.readAll(BeamFiles.resolveFile(indicesPath)));
    boolean sameIndices = manifest.indicesSha256().equals(current);
    boolean previous = ("sha256:" + manifest.indicesSha256()).equals(lineage.previousDigest());
    if (!sameIndices && !previous) {
      return keep;
    }
    List<ChunkInfo> candidates = new ArrayList<>();
    for (ChunkInfo c : manifest.chunks()) {
      Split s = c.split();
      if (c.name().equals(ChunkNames.chunk(c.split(), c.number()))
          && c.number() < indices.plan().chunkCount(s)
          && (sameIndices || !lineage.rewritten(s).contains(c.number()))) {
        candidates.add(c);
      }
    }
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (MatchResult.Metadata m : BeamFiles.match(BeamFiles.folder(output) + "*_chunk_*.pt")) {
      sizes.put(m.resourceId().getFilename(), m.sizeBytes());
    }
    for (ChunkInfo c : candidates) {
      Long size = sizes.get(c.name());
      if (size != null && size == c.bytes()) {
        keep.put(c.name(), c);
      }
    }
    return keep;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
