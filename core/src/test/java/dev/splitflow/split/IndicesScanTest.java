package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.pt.PtFormatException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndicesScanTest {
  @TempDir Path dir;

  private List<IndicesScan.Batch> batches(List<Path> files, Long generation) throws IOException {
    List<IndicesScan.Batch> out = new ArrayList<>();
    for (Path f : files) {
      out.add(
          new IndicesScan.Batch(
              f.toString(), f.getFileName().toString(), Files.size(f), generation));
    }
    return out;
  }

  private static IndicesScan.Opener local() {
    return b -> FileChannel.open(Path.of(b.path()));
  }

  @Test
  void computesGlobalIndicesInBatchOrderAndRecordsGenerations() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 3, 7, 16, 1);
    IndicesFile f = IndicesScan.compute(batches(files, 5L), SplitConfig.defaults(), local(), 2);
    assertEquals(21, f.totals().sum());
    assertEquals(List.of(0L, 7L, 14L), f.sources().stream().map(SourceFile::firstIndex).toList());
    assertTrue(f.sources().stream().allMatch(s -> s.generation() == 5L && s.records() == 7));
  }

  @Test
  void generationsAreComparedOnlyWhereBothSidesKnowOne() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 2, 5, 16, 1);
    SplitConfig cfg = SplitConfig.defaults();
    IndicesFile f = IndicesScan.compute(batches(files, 5L), cfg, local(), 2);
    assertEquals(List.of(), IndicesScan.differences(f, batches(files, 5L), cfg));
    assertEquals(List.of(), IndicesScan.differences(f, batches(files, null), cfg));
    List<IndicesScan.Batch> changed = new ArrayList<>(batches(files, 5L));
    IndicesScan.Batch first = changed.get(0);
    changed.set(0, new IndicesScan.Batch(first.path(), first.file(), first.bytes(), 6L));
    assertEquals(
        List.of(first.file() + ": generation: indices have 5, input has 6"),
        IndicesScan.differences(f, changed, cfg));
  }

  @Test
  void aBadBatchIsNamed() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 2, 5, 16, 1);
    Files.write(files.get(1), new byte[] {1, 2, 3});
    PtFormatException e =
        assertThrows(
            PtFormatException.class,
            () -> IndicesScan.compute(batches(files, null), SplitConfig.defaults(), local(), 2));
    assertTrue(e.getMessage().contains(files.get(1).toString()), e.getMessage());
  }

  @Test
  void noBatchesIsAnError() {
    SplitException e =
        assertThrows(
            SplitException.class,
            () -> IndicesScan.compute(List.of(), SplitConfig.defaults(), local(), 2));
    assertEquals("no batch files to split", e.getMessage());
  }

  /** Changes the first record whose view is PA to AP in place: same size, same name. */
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

  @Test
  void aSameSizeInPlaceEditOfDataPklIsFoundByItsFingerprint() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 3, 20, 16, 1);
    SplitConfig cfg = SplitConfig.defaults();
    IndicesFile f = IndicesScan.compute(batches(files, null), cfg, local(), 2);
    assertTrue(f.sources().stream().allMatch(s -> s.pklSha256().matches("[0-9a-f]{64}")));
    IndicesFile reread = IndicesFile.parse(f.toJson(), "indices");
    assertEquals(f.sources(), reread.sources());
    assertEquals(List.of(), IndicesScan.differences(reread, batches(files, null), cfg, local()));

    long size = Files.size(files.get(1));
    editViewInPlace(files.get(1));
    assertEquals(size, Files.size(files.get(1)));
    List<String> changes = IndicesScan.differences(reread, batches(files, null), cfg, local());
    assertEquals(1, changes.size(), changes.toString());
    assertTrue(
        changes.get(0).startsWith("batch_2.pt: content: its data.pkl changed"), changes.get(0));
  }

  @Test
  void aFingerprintThatIsNotASha256IsRefused() throws IOException {
    List<Path> files = SyntheticBatch.writeDataset(dir, 1, 5, 16, 1);
    IndicesFile f = IndicesScan.compute(batches(files, null), SplitConfig.defaults(), local(), 1);
    String json =
        f.toJson().replaceFirst("\"pkl_sha256\": \"[0-9a-f]+\"", "\"pkl_sha256\": \"ab\"");
    SplitException e = assertThrows(SplitException.class, () -> IndicesFile.parse(json, "i.json"));
    assertTrue(e.getMessage().contains("pkl_sha256"), e.getMessage());
  }
}
