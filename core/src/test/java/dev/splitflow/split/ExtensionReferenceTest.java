package dev.splitflow.split;

import static dev.splitflow.split.SplitTestData.RATIOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Python reference in docs/split.md, run as printed there (every {@code ```python} block of the
 * page), gives the same three lists as {@link Planner} for a first version and as {@link Extension}
 * for the next, over random datasets and growth patterns, with and without groups.
 */
class ExtensionReferenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static String docCode() throws IOException {
    Path doc = Path.of("..", "docs", "split.md");
    String text = Files.readString(doc);
    Matcher m = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(text);
    StringBuilder code = new StringBuilder();
    while (m.find()) {
      code.append(m.group(1)).append('\n');
    }
    assertTrue(code.toString().contains("def extend("), "docs/split.md has the extension code");
    return code.toString();
  }

  private static final String HARNESS =
      """

      import json, sys
      out = []
      for case in json.load(sys.stdin):
          first = [tuple(r) for r in case["first"]]
          second = [tuple(r) for r in case["second"]]
          prev = plan(first, case["seed"], case["ratios"], case["groups"])
          out.append({"first": prev,
                      "second": extend(second, case["seed"], case["ratios"], prev, case["groups"])})
      json.dump(out, sys.stdout)
      """;

  @Test
  void theDocumentedPythonGivesTheSameListsAsTheJavaPlanner() throws Exception {
    String python = System.getenv().getOrDefault("PYTHON", "python3");
    try {
      Process probe = new ProcessBuilder(python, "--version").start();
      probe.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      Component.PYTHON.unavailable("cannot run " + python + ": " + e.getMessage());
    }
    Random r = new Random(2026);
    ArrayNode cases = JSON.createArrayNode();
    List<Plan[]> expected = new ArrayList<>();
    for (int t = 0; t < 120; t++) {
      boolean grouped = t % 3 == 2;
      SplitRatios ratios = RATIOS[t % RATIOS.length];
      SplitConfig cfg =
          SplitConfig.defaults()
              .withRatios(ratios)
              .withSeed(t - 30)
              .withChunkSize(1 + r.nextInt(5))
              .withGroupBy(grouped ? "subject_id" : null);
      GrowingDatasets.Dataset v1 = GrowingDatasets.first(r, grouped);
      v1.number(null, cfg.seed());
      Plan p1 = Planner.plan(v1.infos, cfg);
      IndicesFile f1 = IndicesFile.of(p1, v1.sources());
      GrowingDatasets.Dataset v2 = GrowingDatasets.grow(v1, r, grouped, false);
      v2.number(null, cfg.seed());
      Plan p2 = Extension.plan(v2.infos, null, null, cfg, f1, "sha256:00").plan();
      expected.add(new Plan[] {p1, p2});

      ObjectNode c = cases.addObject();
      c.put("seed", cfg.seed());
      ArrayNode rs = c.putArray("ratios");
      rs.add(ratios.train()).add(ratios.val()).add(ratios.test());
      c.put("groups", grouped);
      c.set("first", records(v1, null));
      c.set("second", records(v2, v1));
    }
    Path script = Files.createTempFile("split-reference", ".py");
    Path input = Files.createTempFile("split-cases", ".json");
    try {
      Files.writeString(script, docCode() + HARNESS);
      JSON.writeValue(input.toFile(), cases);
      Process p =
          new ProcessBuilder(python, script.toString())
              .redirectInput(input.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "python finished");
      assertEquals(0, p.exitValue(), "python exit status");
      JsonNode results = JSON.readTree(new String(out, StandardCharsets.UTF_8));
      for (int t = 0; t < expected.size(); t++) {
        compare(expected.get(t)[0], results.get(t).get("first"), "case " + t + " first version");
        compare(expected.get(t)[1], results.get(t).get("second"), "case " + t + " extension");
      }
    } finally {
      Files.deleteIfExists(script);
      Files.deleteIfExists(input);
    }
  }

  private static void compare(Plan plan, JsonNode lists, String where) {
    for (Split s : Split.values()) {
      List<Long> py = new ArrayList<>();
      lists.get(s.ordinal()).forEach(n -> py.add(n.asLong()));
      assertEquals(plan.indexList(s), py, where + " " + s.jsonName());
    }
  }

  /**
   * [global, identity, stratum key, group, previous global index or null]; the previous index is
   * found here from the identity, independently of the code under test.
   */
  private static ArrayNode records(GrowingDatasets.Dataset d, GrowingDatasets.Dataset previous) {
    ArrayNode out = JSON.createArrayNode();
    for (RecordInfo ri : d.infos) {
      ArrayNode a = out.addArray();
      a.add(ri.globalIndex()).add(ri.identity()).add(ri.stratum().key());
      if (ri.group() == null) {
        a.addNull();
      } else {
        a.add(ri.group());
      }
      Long before = previous == null ? null : previous.globalOfKey.get(ri.identity());
      if (before == null) {
        a.addNull();
      } else {
        a.add(before);
      }
    }
    return out;
  }
}
