package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.ReadStats;
import dev.splitflow.functions.testing.Pipeline;
import dev.splitflow.functions.testing.TestGcs;
import dev.splitflow.localgcs.DiskStore;
import dev.splitflow.localgcs.Faults;
import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.IndicesFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two splits started at once into one {@code gs://} output folder, each a separate process running
 * the Flex Template's main class from the pipeline's shaded jar (Beam's Cloud Storage client) over
 * HTTP against the local Cloud Storage service: both create {@code _SPLITFLOW_CLAIM.json} with
 * {@code ifGenerationMatch=0}; exactly one wins, the other stops before changing anything, saying
 * who holds the folder and how to clear a stale claim, and the folder verifies against the winner's
 * indices.
 */
class GcsOutputClaimRaceIT {
  static final String BUCKET = "data";
  static final String INPUT = "datasets/cxr/";
  static final String OUTPUT = INPUT + "split/";

  @TempDir Path tmp;

  private record Run(String seed, String chunkSize, Process process, Path log) {}

  private Run start(TestGcs gcs, String seed, String chunkSize) throws Exception {
    Path log = tmp.resolve("seed-" + seed + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(Pipeline.jar().toString());
    cmd.add("dev.splitflow.pipeline.SplitPipeline");
    cmd.add("--runner=DirectRunner");
    cmd.add("--input=gs://" + BUCKET + "/" + INPUT);
    cmd.add("--output=gs://" + BUCKET + "/" + OUTPUT);
    cmd.add("--seed=" + seed);
    cmd.add("--chunkSize=" + chunkSize);
    cmd.add("--gcsEndpoint=" + gcs.server().url() + "/storage/v1/");
    cmd.add(
        "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("STORAGE_EMULATOR_HOST", gcs.server().url());
    return new Run(seed, chunkSize, pb.start(), log);
  }

  @Test
  void twoSplitsClaimingOneGcsFolderAtOnceGiveOneWinnerAndOneRefusalThatChangedNothing()
      throws Exception {
    TestGcs gcs = TestGcs.start();
    Storage storage = gcs.storage();
    Path local = tmp.resolve("batches");
    SyntheticBatch.writeDataset(local, 6, 40, 1024, 3);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(local, "batch_*.pt")) {
      for (Path f : s) {
        storage.create(
            BlobInfo.newBuilder(BUCKET, INPUT + f.getFileName()).build(), Files.readAllBytes(f));
      }
    }
    // Every change to the output folder from here on, in commit order.
    ConcurrentLinkedQueue<DiskStore.Change> changes = new ConcurrentLinkedQueue<>();
    gcs.server()
        .store()
        .onChange(
            c -> {
              if (c.object().name().startsWith(OUTPUT)) {
                changes.add(c);
              }
            });
    // The winner holds its claim a few seconds longer before releasing it, so the two runs
    // overlap however the machine schedules their start-up.
    gcs.server()
        .faults()
        .add(new Faults.Rule(null, "delete", null, ".*" + ChunkNames.CLAIM, null, 1, -1, 5000));

    Run a = start(gcs, "1", "7");
    Run b = start(gcs, "2", "9");
    for (Run r : List.of(a, b)) {
      assertTrue(r.process().waitFor(300, TimeUnit.SECONDS), "run with seed " + r.seed());
    }
    List<Run> won = new ArrayList<>();
    List<Run> lost = new ArrayList<>();
    for (Run r : List.of(a, b)) {
      (r.process().exitValue() == 0 ? won : lost).add(r);
    }
    assertEquals(1, won.size(), "exactly one run succeeds: " + logs(a, b));
    Run winner = won.get(0);
    Run loser = lost.get(0);
    assertNotEquals(0, loser.process().exitValue());

    String refusal = Files.readString(loser.log());
    String claimUri = "gs://" + BUCKET + "/" + OUTPUT + ChunkNames.CLAIM;
    assertTrue(
        refusal.contains("gs://" + BUCKET + "/" + OUTPUT + " is claimed by another run: splitflow"),
        refusal);
    assertTrue(refusal.contains("Nothing was changed"), refusal);
    assertTrue(refusal.contains("delete " + claimUri + " and run again"), refusal);

    // The folder is the winner's: its indices (seed, chunk size) and it verifies.
    GcsObjectStore store = new GcsObjectStore(storage, BUCKET, OUTPUT, new ReadStats());
    OutputVerifier.Report report = OutputVerifier.verify(store, -1);
    assertTrue(report.ok(), report.describe());
    IndicesFile indices =
        IndicesFile.parse(
            new String(
                storage.readAllBytes(BlobId.of(BUCKET, OUTPUT + ChunkNames.INDICES)),
                StandardCharsets.UTF_8),
            "indices");
    assertEquals(Long.parseLong(winner.seed()), indices.config().seed());
    assertEquals(Integer.parseInt(winner.chunkSize()), indices.chunkSize());
    assertEquals(Long.parseLong(winner.seed()), report.manifest().config().path("seed").asLong());
    assertNull(storage.get(BlobId.of(BUCKET, OUTPUT + ChunkNames.CLAIM)), "released");

    // The loser changed nothing: every change is one of the winner's, each made once.
    Map<String, Integer> finalized = new TreeMap<>();
    List<String> deleted = new ArrayList<>();
    for (DiskStore.Change c : changes) {
      String name = c.object().name().substring(OUTPUT.length());
      if (c.eventType().equals("OBJECT_FINALIZE")) {
        finalized.merge(name, 1, Integer::sum);
      } else if (c.eventType().equals("OBJECT_DELETE") && c.otherGeneration() == null) {
        deleted.add(name);
      }
    }
    Map<String, Integer> expected = new TreeMap<>();
    for (ChunkInfo chunk : report.manifest().chunks()) {
      expected.put(chunk.name(), 1);
    }
    expected.put(ChunkNames.INDICES, 1);
    expected.put(ChunkNames.MANIFEST, 1);
    expected.put(ChunkNames.CLAIM, 1);
    assertEquals(expected, finalized, "objects written, and how often: " + changes);
    assertEquals(List.of(ChunkNames.CLAIM), deleted, "objects deleted");
  }

  private static String logs(Run... runs) throws Exception {
    StringBuilder b = new StringBuilder();
    for (Run r : runs) {
      b.append("\n--- seed ").append(r.seed()).append(":\n").append(Files.readString(r.log()));
    }
    return b.toString();
  }
}
