package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import dev.splitflow.pt.PtValue;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The split pipeline end to end on the DirectRunner, on synthetic chest-X-ray-like batches. */
class SplitPipelineIT {
  @TempDir Path tmp;
  Path batches;

  @BeforeEach
  void dataset() throws IOException {
    batches = tmp.resolve("batches");
    // 11 files so that natural order (batch_2 before batch_10) matters; 3 studies per patient.
    SyntheticBatch.writeDataset(batches, 11, 37, 2048, 5);
  }

  static SplitOptions options(Path input, Path output, int workers, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("--input=" + input + "/", "--output=" + output + "/"));
    args.addAll(List.of(extra));
    SplitOptions o =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
            .withValidation()
            .as(SplitOptions.class);
    o.setRunner(DirectRunner.class);
    o.as(DirectOptions.class).setTargetParallelism(workers);
    return o;
  }

  static SplitPipeline.SplitRun split(SplitOptions o) throws IOException {
    SplitPipeline.SplitRun run = SplitPipeline.run(o);
    if (run.result() != null) {
      run.result().waitUntilFinish();
    }
    return run;
  }

  static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void everyRecordLandsOnceBitIdenticalWhereTheIndicesSay() throws IOException {
    Path out = tmp.resolve("out");
    SplitPipeline.SplitRun run = split(options(batches, out, 4));
    IndicesFile indices = run.indices();

    // Source records by global index, in natural file order.
    List<String> sourceJson = new ArrayList<>();
    for (int b = 1; b <= 11; b++) {
      try (PtFile f = PtFile.open(batches.resolve("batch_" + b + ".pt"))) {
        for (PtValue r : f.records()) {
          sourceJson.add(PtJson.toJson(r, false));
        }
      }
    }
    assertEquals(11 * 37, sourceJson.size());
    Set<Long> seen = new HashSet<>();
    for (Split s : Split.values()) {
      long[] list = indices.indices(s);
      for (int c = 0; c * 50 < list.length; c++) {
        try (PtFile chunk = PtFile.open(out.resolve(ChunkNames.chunk(s, c)))) {
          List<PtValue> records = chunk.records();
          assertEquals(Math.min(50, list.length - c * 50), records.size());
          for (int i = 0; i < records.size(); i++) {
            long global = list[c * 50 + i];
            assertTrue(seen.add(global));
            assertEquals(sourceJson.get((int) global), PtJson.toJson(records.get(i), false));
          }
        }
      }
    }
    assertEquals(sourceJson.size(), seen.size());
    assertTrue(OutputVerifier.verify(new LocalFolder(out), -1).ok());
    assertFalse(Files.exists(out.resolve(".splitflow-tmp")));
  }

  @Test
  void sameInputsGiveByteIdenticalOutputsWhateverTheWorkerCount() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    split(options(batches, a, 1));
    split(options(batches, b, 4));
    Map<String, byte[]> fa = files(a);
    Map<String, byte[]> fb = files(b);
    assertEquals(fa.keySet(), fb.keySet());
    for (String name : fa.keySet()) {
      assertArrayEquals(fa.get(name), fb.get(name), name);
    }
    // A second run over the same output reuses the indices and rewrites the same bytes.
    SplitPipeline.SplitRun again = split(options(batches, a, 2));
    assertFalse(again.indicesComputed());
    Map<String, byte[]> fa2 = files(a);
    for (String name : fa.keySet()) {
      assertArrayEquals(fa.get(name), fa2.get(name), name);
    }
  }

  @Test
  void indicesOfAMovedFolderAreReusedAndTheFilesReadFromWhereTheyAreNow() throws IOException {
    Path out = tmp.resolve("out");
    split(options(batches, out, 2));
    Map<String, byte[]> before = files(out);
    // The launch function computes indices from gs:// paths; a local run then reads local copies.
    Path moved = tmp.resolve("moved");
    Files.move(batches, moved);
    SplitPipeline.SplitRun again = split(options(moved, out, 2));
    assertFalse(again.indicesComputed());
    Map<String, byte[]> after = files(out);
    for (String name : before.keySet()) {
      assertArrayEquals(before.get(name), after.get(name), name);
    }
  }

  @Test
  void changedInputsStopWithWhatChangedOrRecomputeWithoutStaleChunks() throws IOException {
    Path out = tmp.resolve("out");
    split(options(batches, out, 2));
    int before = countChunks(out);
    Files.delete(batches.resolve("batch_11.pt"));
    Files.delete(batches.resolve("batch_10.pt"));

    SplitException e = assertThrows(SplitException.class, () -> split(options(batches, out, 2)));
    assertTrue(e.getMessage().contains("batch_11.pt"), e.getMessage());

    split(options(batches, out, 2, "--recomputeIndices"));
    int after = countChunks(out);
    assertTrue(after < before, before + " -> " + after);
    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());
  }

  private static int countChunks(Path out) throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return (int) s.filter(p -> ChunkNames.parse(p.getFileName().toString()).isPresent()).count();
    }
  }

  @Test
  void groupByKeepsEveryPatientInOneSplit() throws IOException {
    Path out = tmp.resolve("out");
    split(options(batches, out, 2, "--groupBy=subject_id"));
    Map<Long, String> splitOf = new HashMap<>();
    for (Path chunk : Files.list(out).filter(p -> p.toString().endsWith(".pt")).toList()) {
      String split = ChunkNames.parse(chunk.getFileName().toString()).get().split().jsonName();
      try (PtFile f = PtFile.open(chunk)) {
        for (PtValue r : f.records()) {
          long subject =
              ((PtValue.IntValue) ((PtValue.DictValue) r).get("subject_id")).value().longValue();
          String prev = splitOf.put(subject, split);
          assertTrue(prev == null || prev.equals(split), "subject " + subject + " in two splits");
        }
      }
    }
    assertTrue(OutputVerifier.verify(new LocalFolder(out), 0).ok());
  }

  @Test
  void aCorruptBatchFailsNamingItAndLeavesNoManifest() throws IOException {
    Path out = tmp.resolve("out");
    Path bad = batches.resolve("batch_4.pt");
    byte[] bytes = Files.readAllBytes(bad);
    Files.write(bad, Arrays.copyOf(bytes, bytes.length - 100));
    Exception e = assertThrows(Exception.class, () -> split(options(batches, out, 2)));
    assertTrue(rootMessage(e).contains("batch_4.pt"), rootMessage(e));
    assertFalse(Files.exists(out.resolve(ChunkNames.MANIFEST)));
  }

  @Test
  void aBatchHoldingMoreOrFewerRecordsThanTheIndicesSayFailsNamingIt() throws IOException {
    Path out = tmp.resolve("out");
    SplitPipeline.SplitRun run = split(options(batches, out, 2, "--computeIndicesOnly"));
    List<BatchSpec> specs =
        SplitPipeline.specs(run.indices(), SplitPipeline.listBatches(batches + "/"));
    BatchSpec b = specs.get(3);
    Map<Integer, String> expected =
        Map.of(-1, "has more than " + (b.records() - 1), 1, "has " + b.records() + " records");
    for (Map.Entry<Integer, String> c : expected.entrySet()) {
      List<BatchSpec> wrong = new ArrayList<>(specs);
      wrong.set(3, new BatchSpec(b.path(), b.firstIndex(), b.records() + c.getKey()));
      Pipeline p = Pipeline.create(options(batches, out, 2));
      SplitPipeline.build(
          p, wrong, false, out + "/", run.indicesPath(), run.chunks(), 8, null, null);
      Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
      String msg = rootMessage(e);
      assertTrue(msg.startsWith(b.path() + ": " + c.getValue()), msg);
      assertTrue(msg.contains("--recomputeIndices"), msg);
      assertFalse(Files.exists(out.resolve(ChunkNames.MANIFEST)));
    }
  }

  @Test
  void aMissingStratumFieldListsTheFieldsTheRecordHas() {
    Path out = tmp.resolve("out");
    SplitException e =
        assertThrows(
            SplitException.class,
            () -> split(options(batches, out, 1, "--strataFields=view_position,body_part")));
    assertTrue(e.getMessage().contains("body_part"), e.getMessage());
    assertTrue(e.getMessage().contains("subject_id"), e.getMessage());
  }

  @Test
  void anEmptyInputSaysSo() throws IOException {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    SplitException e =
        assertThrows(SplitException.class, () -> split(options(empty, tmp.resolve("o"), 1)));
    assertTrue(e.getMessage().contains("no batch files match"), e.getMessage());
  }

  @Test
  void computeIndicesOnlyWritesNoChunks() throws IOException {
    Path out = tmp.resolve("out");
    SplitPipeline.SplitRun run = split(options(batches, out, 1, "--computeIndicesOnly"));
    assertTrue(run.indicesComputed());
    assertEquals(Set.of(ChunkNames.INDICES), files(out).keySet());
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  @Test
  void aKilledRunsLeftoversAreRemovedByTheNextRunWhateverItsChunkSize() throws Exception {
    Path out = tmp.resolve("out");
    split(options(batches, out, 2));
    // What kill -9 leaves: partial chunks in the temporary folder and the dead process's claim.
    Path temp = Files.createDirectories(out.resolve(".splitflow-tmp"));
    Files.write(temp.resolve("train_chunk_00001.pt"), new byte[1000]);
    Files.write(temp.resolve("test_chunk_00000.pt"), new byte[10]);
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(
        out.resolve(OutputClaim.NAME),
        "{\"holder\": \"splitflow split\", \"host\": \""
            + OutputClaim.host()
            + "\", \"pid\": "
            + gone.pid()
            + ", \"token\": \"killed\"}");
    split(options(batches, out, 2, "--chunkSize=7", "--recomputeIndices"));
    assertFalse(Files.exists(temp), "no temporary file or folder is left");
    assertFalse(Files.exists(out.resolve(OutputClaim.NAME)));
    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());
  }

  @Test
  void aSameSizeInPlaceEditOfABatchIsNoticedBeforeAnythingChanges() throws IOException {
    Path out = tmp.resolve("out");
    split(options(batches, out, 2));
    Map<String, byte[]> before = files(out);
    Path edited = batches.resolve("batch_3.pt");
    long size = Files.size(edited);
    editViewInPlace(edited);
    assertEquals(size, Files.size(edited));

    SplitException e = assertThrows(SplitException.class, () -> split(options(batches, out, 2)));
    assertTrue(e.getMessage().contains("batch_3.pt: content"), e.getMessage());
    Map<String, byte[]> after = files(out);
    assertEquals(before.keySet(), after.keySet());
    for (String name : before.keySet()) {
      assertArrayEquals(before.get(name), after.get(name), name);
    }
    SplitPipeline.SplitRun again = split(options(batches, out, 2, "--recomputeIndices"));
    assertTrue(again.indicesComputed());
    assertTrue(OutputVerifier.verify(new LocalFolder(out), -1).ok());
  }

  /** Changes the first record whose view is PA to AP in place: same name, same size. */
  static void editViewInPlace(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    // BINUNICODE 'X', length 2 (4 bytes, little-endian), then the text.
    for (int i = 0; i + 6 < b.length; i++) {
      if (b[i] == 'X'
          && b[i + 1] == 2
          && b[i + 2] == 0
          && b[i + 3] == 0
          && b[i + 4] == 0
          && b[i + 5] == 'P'
          && b[i + 6] == 'A') {
        b[i + 5] = 'A';
        b[i + 6] = 'P';
        Files.write(file, b);
        return;
      }
    }
    throw new AssertionError("no PA view in " + file);
  }
}
