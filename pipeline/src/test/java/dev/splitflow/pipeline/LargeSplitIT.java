package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.output.LocalFolder;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.pt.TorchPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A split of a 1 GiB synthetic dataset, checked by real torch: every chunk loads with plain
 * torch.load and holds, in order, the records the indices put there, each equal to its source;
 * every source record exactly once ({@code split_check.py}). The verifier agrees.
 */
class LargeSplitIT {
  private static Path dir;

  @AfterAll
  static void cleanUp() throws Exception {
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aOneGibSplitLoadsInTorchRecordForRecord() throws Exception {
    dir = Files.createTempDirectory("splitflow-large-split");
    Path batches = dir.resolve("batches");
    // 8 files x 512 records x 256 KiB images = 1 GiB of tensors.
    List<Path> files = SyntheticBatch.writeDataset(batches, 8, 512, 256 * 1024, 3);
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    assertTrue(bytes >= 1L << 30, bytes + " bytes");
    Path out = dir.resolve("out");
    SplitPipelineIT.split(SplitPipelineIT.options(batches, out, 3));

    OutputVerifier.Report report = OutputVerifier.verify(new LocalFolder(out), -1);
    assertTrue(report.ok(), report.describe());

    List<String> args = new ArrayList<>(List.of(out.toString()));
    for (Path f : files) {
      args.add(f.toString());
    }
    TorchPython.Result r = TorchPython.run("split_check.py", args);
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().startsWith("OK 4096 records"), r.output());
  }
}
