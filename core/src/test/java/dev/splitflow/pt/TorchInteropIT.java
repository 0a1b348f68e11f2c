package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.ListValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks written by the Java writer, loaded by real torch with default settings (weights_only) and
 * with mmap, must equal the source records value for value ({@code interop_check.py}).
 */
class TorchInteropIT {
  @TempDir Path tmp;

  private static List<Path> listSources() throws IOException {
    try (Stream<Path> s =
        Files.list(TorchPython.REPO.resolve("core/src/test/resources/golden/valid"))) {
      List<Path> out = new ArrayList<>();
      for (Path p : s.filter(p -> p.toString().endsWith(".pt")).sorted().toList()) {
        try (PtFile f = PtFile.open(p)) {
          if (f.root() instanceof ListValue) {
            out.add(p);
          }
        }
      }
      return out;
    }
  }

  @Test
  void everyGoldenBatchCopiedIntoAChunkLoadsInTorchUnchanged() throws Exception {
    List<Path> sources = listSources();
    assertTrue(sources.size() >= 15);
    for (Path source : sources) {
      Path chunk = tmp.resolve("chunk_of_" + source.getFileName());
      try (PtFile f = PtFile.open(source)) {
        TestRecords.write(f.records(), chunk);
      }
      TorchPython.Result r =
          TorchPython.run(
              "interop_check.py",
              List.of("--source", source.toString(), "--chunk", chunk.toString(), "--take", "all"));
      assertEquals(0, r.code(), source.getFileName() + ":\n" + r.output());
    }
  }

  @Test
  void aChunkMixingRecordsOfManyBatchesLoadsInTorch() throws Exception {
    List<Path> sources = listSources();
    List<PtFile> open = new ArrayList<>();
    List<String> args = new ArrayList<>();
    List<String> take = new ArrayList<>();
    List<PtValue> records = new ArrayList<>();
    Random random = new Random(42);
    try {
      for (Path p : sources) {
        open.add(PtFile.open(p));
        args.add("--source");
        args.add(p.toString());
      }
      for (int k = 0; k < 50; k++) {
        int s = random.nextInt(open.size());
        List<PtValue> rs = open.get(s).records();
        if (rs.isEmpty()) {
          continue;
        }
        int i = random.nextInt(rs.size());
        records.add(rs.get(i));
        take.add(s + ":" + i);
      }
      Path chunk = tmp.resolve("train_chunk_00000.pt");
      TestRecords.write(records, chunk);
      args.addAll(List.of("--chunk", chunk.toString(), "--take", String.join(",", take)));
      TorchPython.Result r = TorchPython.run("interop_check.py", args);
      assertEquals(0, r.code(), r.output());
      assertTrue(r.output().contains("OK " + records.size() + " records"), r.output());
    } finally {
      for (PtFile f : open) {
        f.close();
      }
    }
  }

  @Test
  void theGoldenFilesAndTheCheckerPassTheirOwnSelfTest() throws Exception {
    // selftest.py checks each expected JSON against torch.load, and that interop_check.py
    // rejects 16 kinds of wrong chunk (view not cloned, dtype changed, key order, -0.0, ...).
    TorchPython.Result r = TorchPython.run("selftest.py", List.of());
    assertEquals(0, r.code(), r.output());
  }

  @Test
  void theCheckerCatchesAChunkThatDiffers() throws Exception {
    // Guards the guard: a chunk holding other records than claimed must fail the checker.
    Path source = TorchPython.REPO.resolve("core/src/test/resources/golden/valid/cxr_batch.pt");
    Path chunk = tmp.resolve("wrong.pt");
    try (PtFile f = PtFile.open(source)) {
      TestRecords.write(List.of(f.records().get(1), f.records().get(0)), chunk);
    }
    TorchPython.Result r =
        TorchPython.run(
            "interop_check.py",
            List.of(
                "--source", source.toString(), "--chunk", chunk.toString(), "--take", "0:0,0:1"));
    assertEquals(1, r.code(), r.output());
  }
}
