package dev.splitflow.output;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.json.Json;
import dev.splitflow.split.Split;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link Manifest#parse} refuses what is not a manifest with its own exception, naming the file.
 */
class ManifestFormatTest {
  private static final String WHERE = "out/_SPLIT_MANIFEST.json";

  private static String good() {
    return Manifest.of(
            Json.MAPPER.createObjectNode(), "i.json", "ab", 10, null, ManifestBytesTest.CHUNKS)
        .toJson();
  }

  private static String refused(String json) {
    ManifestFormatException e =
        assertThrows(ManifestFormatException.class, () -> Manifest.parse(json, WHERE));
    assertTrue(e.getMessage().startsWith(WHERE + ": "), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aKeyGivenTwiceIsRefused() {
    String m =
        refused(
            good()
                .replaceFirst("\\{\n", "{\n  \"run_id\" : \"sf-x\",\n  \"run_id\" : \"sf-y\",\n"));
    assertTrue(m.contains("a key given twice"), m);
    assertTrue(m.contains("run_id"), m);
  }

  @Test
  void contentAfterTheObjectIsRefused() {
    String m = refused(good() + "{}");
    assertTrue(m.contains("not one JSON object"), m);
  }

  @Test
  void otherJsonIsNotAManifest() {
    assertEquals(
        WHERE + ": not a splitflow manifest (no \"format\": \"splitflow-manifest\")",
        refused("{\"format\": \"other\"}"));
    assertTrue(refused(good().replace("\"version\" : 1", "\"version\" : 2")).contains("version"));
  }

  @Test
  void chunksCarryTheirSplitAsTheEnumAndJsonKeepsTheLowerCaseName() {
    Manifest m = Manifest.parse(good(), WHERE);
    assertEquals(
        List.of(Split.TRAIN, Split.TRAIN, Split.VAL, Split.TEST),
        m.chunks().stream().map(ChunkInfo::split).toList());
    assertEquals(Split.TRAIN, m.splits().keySet().iterator().next());
    assertTrue(good().contains("\"split\" : \"val\""));
  }

  @Test
  void aChunkWithAnUnknownSplitIsRefusedNamingTheChunk() {
    String m = refused(good().replace("\"split\" : \"val\"", "\"split\" : \"validation\""));
    assertEquals(WHERE + ": chunks[2].split: expected train, val or test, found \"validation\"", m);
  }

  @Test
  void theVerifierReportsItAsTheFailedManifestCheck() throws Exception {
    byte[] bad = good().replace("\"split\" : \"val\"", "\"split\" : \"x\"").getBytes(UTF_8);
    ObjectStore store =
        new ObjectStore() {
          @Override
          public String location() {
            return "out";
          }

          @Override
          public Optional<ObjectInfo> stat(String name) {
            return name.equals(ChunkNames.MANIFEST)
                ? Optional.of(new ObjectInfo(name, bad.length, null))
                : Optional.empty();
          }

          @Override
          public List<ObjectInfo> list() {
            return List.of(new ObjectInfo(ChunkNames.MANIFEST, bad.length, null));
          }

          @Override
          public byte[] read(String name) throws IOException {
            if (!name.equals(ChunkNames.MANIFEST)) {
              throw new FileNotFoundException(name);
            }
            return bad;
          }

          @Override
          public SeekableByteChannel open(String name) throws IOException {
            throw new FileNotFoundException(name);
          }
        };
    OutputVerifier.Report r = OutputVerifier.verify(store, 0);
    assertEquals(
        List.of(
            new OutputVerifier.Failure(
                "manifest",
                "out/_SPLIT_MANIFEST.json: chunks[2].split: expected train, val or test,"
                    + " found \"x\"")),
        r.failures());
  }
}
