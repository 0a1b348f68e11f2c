package dev.splitflow.functions.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RunIdsTest {
  private static final Pattern RULE = Pattern.compile("[a-z]([-a-z0-9]{0,1022}[a-z0-9])?");
  private static final String MARKER = "datasets/cxr/_BATCHES_COMPLETE";

  @Test
  void ruleIsDataflows() {
    assertEquals(RULE.pattern(), RunIds.JOB_NAME_RULE);
  }

  /**
   * Pinned: deployments in flight must agree with new code on the id of a marker. The literals are
   * computed outside Java, by {@code python3 -c "import hashlib; print('sf-' +
   * hashlib.sha256(b'my-data/datasets/cxr/_BATCHES_COMPLETE#1700000000000001').hexdigest()[:20])"}
   * (and {@code b'b/x#1'} for the second).
   */
  @Test
  void runIdIsPinned() {
    assertEquals("sf-fed6131fe33028e52d2b", RunIds.runId("my-data", MARKER, 1700000000000001L));
    assertEquals("sf-8236d3cd366a9e7912e5", RunIds.runId("b", "x", 1));
  }

  @Test
  void sha256HexIsSha256() {
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        RunIds.sha256Hex("abc"));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", RunIds.sha256Hex(""));
  }

  @Test
  void runIdDiffersByGenerationBucketAndName() {
    String base = RunIds.runId("my-data", MARKER, 1);
    assertNotEquals(base, RunIds.runId("my-data", MARKER, 2));
    assertNotEquals(base, RunIds.runId("my-data2", MARKER, 1));
    assertNotEquals(base, RunIds.runId("my-data", "datasets/cxr2/_BATCHES_COMPLETE", 1));
    // '#' keeps (name, generation) pairs apart that concatenate alike; bucket names never hold '/'.
    assertNotEquals(RunIds.runId("a", "b1", 23), RunIds.runId("a", "b12", 3));
    Set<String> ids = new HashSet<>();
    for (long g = 0; g < 1000; g++) {
      ids.add(RunIds.runId("my-data", MARKER, g));
    }
    assertEquals(1000, ids.size());
  }

  /**
   * Pinned like the run id, the literals computed in Python: {@code re.sub('^-+|-+$', '',
   * re.sub('[^a-z0-9]+', '-', folder.lower()))} as the slug, its last 60 characters when longer
   * (leading dashes cut), and the run id's 20 hex digits.
   */
  @Test
  void jobNameIsReadableAndCarriesTheHash() {
    assertEquals("sf-991d4a28a6f9690d2185", RunIds.runId("my-data", MARKER, 7));
    assertEquals(
        "splitflow-datasets-cxr-991d4a28a6f9690d2185",
        RunIds.jobName("datasets/cxr/", "sf-991d4a28a6f9690d2185"));
    assertEquals(
        "splitflow-datasets-cxr-2024-8236d3cd366a9e7912e5",
        RunIds.jobName("DataSets/CXR_2024/", "sf-8236d3cd366a9e7912e5"));
  }

  @Test
  void jobNameFollowsTheRuleForNastyFolders() {
    String runId = RunIds.runId("b", "x", 1);
    List<String> folders =
        List.of(
            "",
            "/",
            "DataSets/CXR_2024/",
            "données/réseau/",
            "日本語/データ/",
            "🙂/",
            "123/456/",
            "9",
            "---/___/...",
            "!@#$%^&*()/",
            "a",
            "A-",
            "-a-/",
            "x".repeat(300) + "/",
            "a/".repeat(200),
            ("dataset-" + "9".repeat(60) + "/").toUpperCase(),
            "ab" + "-".repeat(59) + "cd/",
            "İstanbul/ıi/",
            "tab\there/new\nline/",
            "trailing-dash-/");
    Set<String> names = new HashSet<>();
    for (String folder : folders) {
      String name = RunIds.jobName(folder, runId);
      assertTrue(RULE.matcher(name).matches(), folder + " -> " + name);
      assertTrue(name.length() < 100, folder + " -> " + name.length() + " chars: " + name);
      assertTrue(name.startsWith("splitflow-"), name);
      assertTrue(name.endsWith("-" + runId.substring(3)), name);
      assertTrue(!name.contains("--"), "no empty slug parts: " + name);
      names.add(name);
    }
    assertEquals(
        "splitflow-" + runId.substring(3), RunIds.jobName("", runId), "an empty folder: no slug");
    assertEquals("splitflow-" + runId.substring(3), RunIds.jobName("!@#/", runId));
  }

  @Test
  void longFoldersKeepTheirEnd() {
    String runId = RunIds.runId("b", "x", 1);
    String name = RunIds.jobName("very/".repeat(30) + "important-dataset/", runId);
    assertEquals(
        "splitflow-ry-very-very-very-very-very-very-very-very-important-dataset-"
            + "8236d3cd366a9e7912e5",
        name);
    assertTrue(name.length() <= 91, name.length() + ": " + name);
  }

  @Test
  void sameRunIdDifferentFoldersGiveDifferentNames() {
    String runId = RunIds.runId("b", "x", 1);
    assertNotEquals(RunIds.jobName("datasets/a/", runId), RunIds.jobName("datasets/b/", runId));
    assertNotEquals(RunIds.jobName("a/", runId), RunIds.jobName("", runId));
  }

  @Test
  void sameFolderDifferentRunsGiveDifferentNames() {
    String a = RunIds.jobName("datasets/cxr/", RunIds.runId("b", MARKER, 1));
    String b = RunIds.jobName("datasets/cxr/", RunIds.runId("b", MARKER, 2));
    assertNotEquals(a, b);
  }
}
