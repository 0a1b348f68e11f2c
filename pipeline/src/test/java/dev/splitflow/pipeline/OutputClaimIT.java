package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run owns its output folder: one claim at a time, released at the end, stale ones taken over.
 */
class OutputClaimIT {
  @TempDir Path tmp;
  Path batches;
  Path out;

  @BeforeEach
  void dataset() throws IOException {
    batches = tmp.resolve("batches");
    out = tmp.resolve("out");
    SyntheticBatch.writeDataset(batches, 6, 40, 1024, 3);
  }

  private SplitOptions options(String... extra) {
    return SplitPipelineIT.options(batches, out, 2, extra);
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void twoRunsAtOnceGiveOneSuccessAndOneRefusalAndTheFolderIsTheWinners() throws Exception {
    SplitOptions first = options("--seed=1");
    first.as(DirectOptions.class).setBlockOnRun(false);
    SplitPipeline.SplitRun running = SplitPipeline.run(first);
    Path claim = out.resolve(OutputClaim.NAME);
    assertTrue(Files.exists(claim), "the claim is held while the first run writes");

    SplitException refused =
        assertThrows(
            SplitException.class,
            () -> SplitPipeline.run(options("--seed=2", "--recomputeIndices")));
    String m = refused.getMessage();
    assertTrue(m.contains("claimed by another run"), m);
    assertTrue(m.contains("process " + ProcessHandle.current().pid()), m);
    assertTrue(m.contains(claim.toString()), m);

    running.result().waitUntilFinish();
    assertFalse(Files.exists(claim), "released on success");
    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());
    Manifest manifest =
        Manifest.parse(Files.readString(out.resolve(ChunkNames.MANIFEST)), "manifest");
    assertEquals(1, manifest.config().path("seed").asLong());
    assertEquals(running.indicesSha256(), manifest.indicesSha256());
    assertEquals(
        sha256(Files.readAllBytes(out.resolve(ChunkNames.INDICES))), running.indicesSha256());
  }

  @Test
  void aClaimFromAnotherHostStopsTheRunBeforeAnythingChanges() throws IOException {
    SplitPipelineIT.split(options());
    Map<String, byte[]> before = SplitPipelineIT.files(out);
    String foreign =
        "{\"holder\": \"splitflow split\", \"host\": \"other-host\", \"pid\": 1,"
            + " \"started\": \"2026-01-01T00:00:00Z\", \"token\": \"t\"}";
    Files.writeString(out.resolve(OutputClaim.NAME), foreign);
    before.put(OutputClaim.NAME, foreign.getBytes(StandardCharsets.UTF_8));

    SplitException e =
        assertThrows(
            SplitException.class,
            () -> SplitPipelineIT.split(options("--recomputeIndices", "--chunkSize=7")));
    assertTrue(e.getMessage().contains("other-host"), e.getMessage());
    assertTrue(e.getMessage().contains("delete " + out.resolve(OutputClaim.NAME)), e.getMessage());
    Map<String, byte[]> after = SplitPipelineIT.files(out);
    assertEquals(before.keySet(), after.keySet());
    for (String name : before.keySet()) {
      assertTrue(Arrays.equals(before.get(name), after.get(name)), name);
    }
  }

  @Test
  void aClaimOfADeadProcessOnThisHostIsTakenOver() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.createDirectories(out);
    Files.writeString(
        out.resolve(OutputClaim.NAME),
        "{\"holder\": \"splitflow split\", \"host\": \""
            + OutputClaim.host()
            + "\", \"pid\": "
            + gone.pid()
            + ", \"started\": \"2026-01-01T00:00:00Z\", \"token\": \"old\"}");
    SplitPipelineIT.split(options());
    assertFalse(Files.exists(out.resolve(OutputClaim.NAME)));
    assertTrue(OutputVerifier.verify(new LocalFolder(out), 0).ok());
    try (var s = Files.list(out)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".stale-")));
    }
  }

  @Test
  void theClaimIsReleasedWhenARunFails() throws IOException {
    Path bad = batches.resolve("batch_4.pt");
    byte[] bytes = Files.readAllBytes(bad);
    SplitPipelineIT.split(options("--computeIndicesOnly"));
    assertFalse(Files.exists(out.resolve(OutputClaim.NAME)), "released after indices only");
    // Same size, broken tensor data: the indices still match, the pipeline fails while writing.
    bytes[bytes.length - 30] ^= 0x55;
    Files.write(bad, Arrays.copyOf(bytes, bytes.length - 200));
    assertThrows(Exception.class, () -> SplitPipelineIT.split(options("--recomputeIndices")));
    assertFalse(Files.exists(out.resolve(OutputClaim.NAME)), "released after a failure");
  }

  @Test
  void aRunContinuesTheClaimTheLaunchFunctionTookForItsRunAndRefusesAnyOtherRun() throws Exception {
    Files.createDirectories(out);
    String launch =
        "{\"holder\": \"splitflow launch for run r-1 (job j-1)\", \"run_id\": \"r-1\","
            + " \"host\": \"function-host\", \"pid\": 1, \"started\":"
            + " \"2026-01-01T00:00:00Z\", \"token\": \"launch-token\"}";
    Files.writeString(out.resolve(OutputClaim.NAME), launch);

    SplitException other =
        assertThrows(SplitException.class, () -> SplitPipelineIT.split(options("--runId=r-2")));
    assertTrue(other.getMessage().contains("splitflow launch for run r-1"), other.getMessage());
    SplitException byHand =
        assertThrows(SplitException.class, () -> SplitPipelineIT.split(options()));
    assertTrue(byHand.getMessage().contains("claimed by another run"), byHand.getMessage());
    assertEquals(launch, Files.readString(out.resolve(OutputClaim.NAME)), "left as it was");
    try (var s = Files.list(out)) {
      assertEquals(1, s.count(), "nothing but the claim");
    }

    SplitPipelineIT.split(options("--runId=r-1"));
    assertFalse(Files.exists(out.resolve(OutputClaim.NAME)), "released by the run it was for");
    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());
    assertEquals("r-1", report.manifest().runId());
  }

  @Test
  void verifyOfAClaimedFolderWithoutManifestSaysARunHoldsIt() throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve(OutputClaim.NAME), "{}");
    OutputVerifier.Report r = OutputVerifier.verify(new LocalFolder(out), 0);
    assertFalse(r.ok());
    assertTrue(r.describe().contains("a run holds the folder"), r.describe());
  }
}
