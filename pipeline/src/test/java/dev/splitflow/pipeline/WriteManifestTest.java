package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WriteManifestTest {
  @Test
  void metadataIsReadPastTheIndexListsWhereverItStands() throws Exception {
    String meta = "{\"seed\": 42, \"strata\": [{\"a\": [1, 2]}], \"ratios\": {\"train\": 0.7}}";
    String[] files = {
      "{\"train\": [3, 1, [2]], \"val\": [], \"test\": [0], \"metadata\": " + meta + "}",
      "{\"metadata\": " + meta + ", \"train\": [1, 2], \"val\": [], \"test\": []}",
      "{\"train\": [1], \"extra\": {\"metadata\": 1}, \"metadata\": " + meta + "}",
    };
    ObjectMapper mapper = new ObjectMapper();
    for (String f : files) {
      assertEquals(
          mapper.readTree(f).path("metadata"),
          WriteManifest.metadataOf(f.getBytes(StandardCharsets.UTF_8)),
          f);
    }
    assertTrue(
        WriteManifest.metadataOf("{\"train\": []}".getBytes(StandardCharsets.UTF_8))
            .isMissingNode());
  }
}
