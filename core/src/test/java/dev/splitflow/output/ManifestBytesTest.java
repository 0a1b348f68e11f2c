package dev.splitflow.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.splitflow.json.Json;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The manifest's bytes, pinned: {@code manifests-before-databind.txt} was written by the hand-built
 * tree writer the databind records replaced (with and without run id, strata, lineage; non-ASCII
 * text), so the records must write the same bytes.
 */
class ManifestBytesTest {
  static final List<ChunkInfo> CHUNKS =
      List.of(
          new ChunkInfo("val_chunk_00000.pt", Split.VAL, 0, 2, 200, "AAAAAA==", "02"),
          new ChunkInfo("train_chunk_00001.pt", Split.TRAIN, 1, 2, 200, "AAAAAA==", "01"),
          new ChunkInfo("train_chunk_00000.pt", Split.TRAIN, 0, 3, 300, "AAAAAA==", "00"),
          new ChunkInfo("test_chunk_00000.pt", Split.TEST, 0, 2, 200, "AAAAAA==", "03"));

  @Test
  void writesTheBytesTheTreeWriterWrote() throws Exception {
    JsonNode cfg =
        Json.readTree(
            "{\"seed\": 42, \"ratios\": {\"train\": 0.7, \"val\": 0.15, \"test\": 0.15},"
                + " \"x\": \"\\u00e9\\u2028\\\"\"}");
    JsonNode strata = Json.readTree("[{\"key\": \"view=PA\", \"target\": {\"train\": 1.5}}]");
    StringBuilder sb = new StringBuilder();
    sb.append(Manifest.of(cfg, "i.json", "ab", 10, strata, CHUNKS).toJson());
    sb.append(Manifest.of(cfg, "i.json", "ab", 10, null, CHUNKS, "sf-1").toJson());
    sb.append(
        Manifest.of(cfg, "i.json", "ab", 10, MissingNode.getInstance(), List.of(), null).toJson());
    sb.append(
        Manifest.of(cfg, "i.json", "ab", 10, strata, CHUNKS, "r")
            .withLineage(
                new Manifest.Lineage(
                    "sha256:00",
                    new SplitCounts(1, 2, 3),
                    new SplitCounts(0, 0, 0),
                    new SplitCounts(4, 5, 6),
                    7,
                    List.of("a", "b")))
            .toJson());
    String first = sb.toString().split("\n}\n")[0] + "\n}\n";
    sb.append(Manifest.parse(first, "w").toJson());
    assertEquals(golden(), sb.toString());
  }

  private static String golden() throws Exception {
    try (InputStream in =
        ManifestBytesTest.class.getResourceAsStream("/manifest/manifests-before-databind.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
