package dev.splitflow.functions.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitRatios;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the launcher passes is what the Flex Template's metadata.json accepts. */
class TemplateParametersTest {
  private static Map<String, JsonNode> metadata() throws Exception {
    JsonNode m =
        new ObjectMapper()
            .readTree(
                Pipeline.repoRoot()
                    .resolve("pipeline/src/main/resources/flex-template/metadata.json")
                    .toFile());
    Map<String, JsonNode> byName = new HashMap<>();
    m.path("parameters").forEach(p -> byName.put(p.path("name").asText(), p));
    return byName;
  }

  @Test
  void everyValueMatchesTheTemplatesPatternsEvenForTinySharesAndGroups() throws Exception {
    Map<String, JsonNode> meta = metadata();
    for (SplitConfig c :
        List.of(
            SplitConfig.defaults(),
            SplitConfig.defaults()
                .withRatios(new SplitRatios(0.9998, 0.0001, 0.0001))
                .withSeed(-7)
                .withGroupBy("subject_id")
                .withChunkSize(1))) {
      Map<String, String> params =
          TemplateParameters.of(
              "gs://data/datasets/cxr/",
              "gs://data/datasets/cxr/split/",
              "sf-0123456789abcdef0123",
              c);
      for (Map.Entry<String, String> e : params.entrySet()) {
        JsonNode p = meta.get(e.getKey());
        assertNotNull(p, e.getKey() + " is not a template parameter");
        for (JsonNode regex : p.path("regexes")) {
          assertTrue(
              e.getValue().matches(regex.asText()),
              e.getKey() + "=" + e.getValue() + " does not match " + regex);
        }
      }
    }
  }

  @Test
  void sharesAreWrittenInPlainDecimals() {
    assertEquals("0.0001", TemplateParameters.decimal(0.0001));
    assertEquals("0.7", TemplateParameters.decimal(0.7));
    assertEquals("1", TemplateParameters.decimal(1.0));
    assertEquals("0", TemplateParameters.decimal(0.0));
  }
}
