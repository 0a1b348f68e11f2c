package dev.splitflow.pipeline;

import static dev.splitflow.pipeline.SplitPipelineIT.files;
import static dev.splitflow.pipeline.SplitPipelineIT.options;
import static dev.splitflow.pipeline.SplitPipelineIT.split;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.pt.TorchPython;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Lineage;
import dev.splitflow.split.Placement;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --previousIndices} and {@code --idField} end to end on the DirectRunner. */
class DatasetVersionsIT {
  @TempDir Path tmp;
  Path batches;
  Path out;

  @BeforeEach
  void firstVersion() throws IOException {
    batches = tmp.resolve("batches");
    out = tmp.resolve("out");
    SyntheticBatch.writeDataset(batches, 4, 30, 256, 5);
  }

  private IndicesFile indices() throws IOException {
    return IndicesFile.parse(Files.readString(out.resolve(ChunkNames.INDICES)), ChunkNames.INDICES);
  }

  private String previous() {
    return "--previousIndices=" + out.resolve(ChunkNames.INDICES);
  }

  @Test
  void newFilesAreAddedWithoutMovingARecordAndARerunChangesNothing() throws IOException {
    split(options(batches, out, 2));
    IndicesFile v1 = indices();
    byte[] v1Bytes = Files.readAllBytes(out.resolve(ChunkNames.INDICES));
    Map<String, byte[]> v1Files = files(out);
    Map<String, FileTime> v1Times = times(out);
    SyntheticBatch.write(batches.resolve("batch_5.pt"), 120, 30, 256, 50);
    SyntheticBatch.write(batches.resolve("batch_6.pt"), 150, 30, 256, 60);

    SplitPipeline.SplitRun run = split(options(batches, out, 2, previous()));
    assertTrue(run.indicesComputed());
    IndicesFile v2 = indices();
    Lineage l = v2.lineage();
    assertNotNull(l);
    assertEquals(IndicesFile.digest(v1Bytes), l.previousDigest());
    assertEquals(120, l.kept().sum());
    assertEquals(60, l.added().sum());
    assertEquals(new SplitCounts(0, 0, 0), l.removed());
    for (long g = 0; g < 120; g++) {
      Placement was = v1.plan().placement(g).orElseThrow();
      assertEquals(was, v2.plan().placement(g).orElseThrow(), "record " + g);
    }
    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());
    // The manifest states the indices' lineage (the summary reports it from there).
    Manifest.Lineage stated = report.manifest().lineage();
    assertNotNull(stated);
    assertEquals(l.previousDigest(), stated.previousIndices());
    assertEquals(l.kept(), stated.kept());
    assertEquals(l.added(), stated.added());
    assertEquals(l.removed(), stated.removed());

    // Only the chunks the lineage lists were written; the others are the same files, untouched.
    Map<String, byte[]> v2Files = files(out);
    Map<String, FileTime> v2Times = times(out);
    Set<String> rewritten = new TreeSet<>();
    int keptChunks = 0;
    for (Split s : Split.values()) {
      for (int j = 0; j < v2.plan().chunkCount(s); j++) {
        String name = ChunkNames.chunk(s, j);
        if (l.rewritten(s).contains(j)) {
          rewritten.add(name);
        } else {
          keptChunks++;
          assertArrayEquals(v1Files.get(name), v2Files.get(name), name);
          assertEquals(v1Times.get(name), v2Times.get(name), name + " was not touched");
        }
      }
    }
    assertTrue(keptChunks > 0 && !rewritten.isEmpty(), keptChunks + " kept, " + rewritten);
    JsonNode manifest =
        new ObjectMapper().readTree(v2Files.get(ChunkNames.MANIFEST)).path("lineage");
    Set<String> listed = new TreeSet<>();
    manifest.path("new_or_changed_chunks").forEach(n -> listed.add(n.asText()));
    assertEquals(rewritten, listed);
    assertEquals(keptChunks, manifest.path("unchanged_chunks").asInt());
    assertEquals(
        60,
        manifest.path("added_records").path("train").asInt()
            + manifest.path("added_records").path("val").asInt()
            + manifest.path("added_records").path("test").asInt());

    Map<String, byte[]> before = files(out);
    SplitPipeline.SplitRun again = split(options(batches, out, 2, previous()));
    assertFalse(again.indicesComputed(), "a re-run reuses the extension it made");
    Map<String, byte[]> after = files(out);
    assertEquals(before.keySet(), after.keySet());
    Map<String, FileTime> afterTimes = times(out);
    for (String name : before.keySet()) {
      assertArrayEquals(before.get(name), after.get(name), name);
      if (name.contains("_chunk_")) {
        assertEquals(v2Times.get(name), afterTimes.get(name), name + " was rewritten by a re-run");
      }
    }
  }

  private static Map<String, FileTime> times(Path dir) throws IOException {
    Map<String, FileTime> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(p.getFileName().toString(), Files.getLastModifiedTime(p));
      }
    }
    return out;
  }

  @Test
  void removedFilesAreReportedNotFatal() throws IOException {
    split(options(batches, out, 2, "--computeIndicesOnly"));
    Files.delete(batches.resolve("batch_2.pt"));
    SplitPipeline.SplitRun run =
        split(options(batches, out, 2, previous(), "--computeIndicesOnly"));
    assertEquals(
        List.of("batch_2.pt: all 30 records of the previous version are gone from the input"),
        run.notes());
    assertEquals(30, indices().lineage().removed().sum());
    assertEquals(90, indices().lineage().kept().sum());
  }

  @Test
  void aLaunchedJobLogsWhichFilesRecordsAreGoneFrom() throws IOException {
    split(options(batches, out, 2, "--computeIndicesOnly"));
    Files.delete(batches.resolve("batch_3.pt"));
    // The Flex Template and the local launcher start SplitPipeline.main: its log is all they keep.
    List<String> logged = new ArrayList<>();
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r.getLevel() + " " + r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger log = Logger.getLogger(SplitPipeline.class.getName());
    log.addHandler(h);
    try {
      SplitPipeline.main(
          new String[] {
            "--input=" + batches + "/",
            "--output=" + out + "/",
            previous(),
            "--computeIndicesOnly",
            "--runner=DirectRunner"
          });
    } finally {
      log.removeHandler(h);
    }
    assertTrue(
        logged.contains(
            "WARNING note: batch_3.pt: all 30 records of the previous version are gone from the"
                + " input"),
        logged.toString());
  }

  @Test
  void otherSettingsAreRefusedBeforeAnythingIsTouched() throws IOException {
    split(options(batches, out, 2));
    SyntheticBatch.write(batches.resolve("batch_5.pt"), 120, 30, 256, 50);
    Map<String, byte[]> before = files(out);
    SplitException e =
        assertThrows(
            SplitException.class,
            () ->
                split(
                    options(
                        batches,
                        out,
                        2,
                        previous(),
                        "--trainRatio=0.8",
                        "--valRatio=0.1",
                        "--testRatio=0.1")));
    assertTrue(
        e.getMessage().contains("ratios: previous indices have 0.7,0.15,0.15, run asks for 0.8"),
        e.getMessage());
    e =
        assertThrows(
            SplitException.class,
            () -> split(options(batches, out, 2, previous(), "--groupBy=subject_id")));
    assertTrue(e.getMessage().contains("group by: previous indices have none"), e.getMessage());
    e =
        assertThrows(
            SplitException.class,
            () -> split(options(batches, out, 2, "--previousIndices=" + tmp.resolve("nope.json"))));
    assertTrue(e.getMessage().contains("nope.json: no such file"), e.getMessage());
    Map<String, byte[]> after = files(out);
    assertEquals(before.keySet(), after.keySet());
    for (String name : before.keySet()) {
      assertArrayEquals(before.get(name), after.get(name), name);
    }
  }

  @Test
  void recordsKnownByIdKeepTheirSplitWhenTheyMoveToAnotherFile() throws IOException {
    split(options(batches, out, 2, "--idField=study_id", "--computeIndicesOnly"));
    IndicesFile v1 = indices();
    assertNotNull(v1.ids());
    String text = Files.readString(out.resolve(ChunkNames.INDICES));
    assertFalse(text.contains("s00000001"), "id values are not stored");
    // Version 2: the same 120 studies re-batched in other files (batch_1 now holds the last 30),
    // and 30 new ones.
    Path v2 = Files.createDirectories(tmp.resolve("v2"));
    for (int b = 0; b < 4; b++) {
      SyntheticBatch.write(
          v2.resolve("batch_" + (b + 1) + ".pt"), ((b + 3) % 4) * 30L, 30, 256, 9 + b);
    }
    SyntheticBatch.write(v2.resolve("batch_5.pt"), 120, 30, 256, 70);
    split(options(v2, out, 2, "--idField=study_id", previous(), "--computeIndicesOnly"));
    IndicesFile after = indices();
    assertEquals(120, after.lineage().kept().sum());
    assertEquals(30, after.lineage().added().sum());
    // Study k was global index k in v1; in v2 it is in file (k/30 + 1) % 4 + 1.
    for (long k = 0; k < 120; k++) {
      long file = (k / 30 + 1) % 4; // 0-based file number in v2
      long g2 = file * 30 + k % 30;
      assertEquals(
          v1.plan().placement(k).orElseThrow().split(),
          after.plan().placement(g2).orElseThrow().split(),
          "study " + k);
    }
    SplitException e =
        assertThrows(
            SplitException.class,
            () -> split(options(v2, out, 2, previous(), "--computeIndicesOnly")));
    assertTrue(
        e.getMessage().contains("id field: previous indices have study_id, run asks for none"),
        e.getMessage());
  }

  @Test
  void groupsStayWholeAcrossVersions() throws IOException {
    split(options(batches, out, 2, "--groupBy=subject_id", "--computeIndicesOnly"));
    IndicesFile v1 = indices();
    // batch_5 continues the last patient of batch_4 (subject_id = 10000 + k/3, k = 119 -> 10039).
    SyntheticBatch.write(batches.resolve("batch_5.pt"), 119, 30, 256, 50);
    split(options(batches, out, 2, "--groupBy=subject_id", previous(), "--computeIndicesOnly"));
    IndicesFile v2 = indices();
    Split last = v1.plan().placement(119).orElseThrow().split();
    assertEquals(
        last, v2.plan().placement(120).orElseThrow().split(), "same patient as record 119");
    assertTrue(v2.plan().groups().isPresent());
  }

  @Test
  void realTorchReadsEveryRecordOfTheFirstVersionInItsSplit() throws Exception {
    split(options(batches, out, 2));
    Path v1 = Files.createDirectories(tmp.resolve("v1copy"));
    for (String name : files(out).keySet()) {
      Files.copy(out.resolve(name), v1.resolve(name));
    }
    SyntheticBatch.write(batches.resolve("batch_5.pt"), 120, 30, 256, 50);
    SyntheticBatch.write(batches.resolve("batch_6.pt"), 150, 30, 256, 60);
    split(options(batches, out, 2, previous()));

    List<String> args = new ArrayList<>(List.of(out.toString()));
    for (int i = 1; i <= 6; i++) {
      args.add(batches.resolve("batch_" + i + ".pt").toString());
    }
    TorchPython.Result chunks = TorchPython.run("split_check.py", args);
    assertEquals(0, chunks.code(), chunks.output());
    assertTrue(chunks.output().startsWith("OK 180 records"), chunks.output());
    TorchPython.Result kept =
        TorchPython.run("version_check.py", List.of(v1.toString(), out.toString(), "study_id"));
    assertEquals(0, kept.code(), kept.output());
    assertTrue(kept.output().startsWith("OK 120 records of version 1 kept"), kept.output());
  }
}
