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

  @Test
  void runIdIsDeterministic() {
    String a = RunIds.runId("my-data", MARKER, 1700000000000001L);
    assertEquals(a, RunIds.runId("my-data", MARKER, 1700000000000001L));
    assertTrue(a.matches("sf-[0-9a-f]{20}"), a);
    // Pinned: deployments in flight must agree with new code on the id of a marker.
    assertEquals(
        "sf-" + RunIds.sha256Hex("my-data/" + MARKER + "#1700000000000001").substring(0, 20), a);
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

  @Test
  void jobNameIsReadableAndCarriesTheHash() {
    String runId = RunIds.runId("my-data", MARKER, 7);
    String name = RunIds.jobName("datasets/cxr/", runId);
    assertEquals("splitflow-datasets-cxr-" + runId.substring(3), name);
    assertEquals(name, RunIds.jobName("datasets/cxr/", runId), "deterministic");
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
    assertTrue(name.contains("important-dataset"), name);
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
