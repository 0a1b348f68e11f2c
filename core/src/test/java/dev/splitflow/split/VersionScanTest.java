package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Indices made by the versioned scan carry the same content fingerprints as a fresh scan's. */
class VersionScanTest {
  @TempDir Path dir;

  @Test
  void versionedIndicesRecordEachBatchsFingerprintSoAnInPlaceEditIsFound() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 3, 20, 16, 1);
    SplitConfig cfg = SplitConfig.defaults();
    IndicesScan.Opener local = b -> FileChannel.open(Path.of(b.path()));
    IndicesFile f = VersionScan.compute(batches(files), cfg, "study_id", null, local, 2).indices();
    IndicesFile fresh = IndicesScan.compute(batches(files), cfg, local, 2);

    for (int i = 0; i < files.size(); i++) {
      assertEquals(fresh.sources().get(i).pklSha256(), f.sources().get(i).pklSha256());
    }
    assertTrue(f.sources().stream().allMatch(s -> s.pklSha256().matches("[0-9a-f]{64}")));

    long size = Files.size(files.get(1));
    IndicesScanTest.editViewInPlace(files.get(1));
    assertEquals(size, Files.size(files.get(1)));
    List<String> changes = IndicesScan.differences(f, batches(files), cfg, local);
    assertEquals(1, changes.size(), changes.toString());
    assertTrue(changes.get(0).contains(files.get(1).getFileName().toString()), changes.get(0));
  }

  private static List<IndicesScan.Batch> batches(List<Path> files) throws IOException {
    List<IndicesScan.Batch> out = new ArrayList<>();
    for (Path f : files) {
      out.add(new IndicesScan.Batch(f.toString(), f.getFileName().toString(), Files.size(f), null));
    }
    return out;
  }
}
