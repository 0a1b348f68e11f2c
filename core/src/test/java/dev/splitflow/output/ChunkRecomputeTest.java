package dev.splitflow.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.demo.SyntheticBatch;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitConfig;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks made again without a runner. That they are byte-identical to the pipeline's is checked
 * where both run (functions' VerifyDeepCheckTest); here: any subset and any wave gives the same
 * chunk, the time limit stops between chunks, and a batch file that changed is named.
 */
class ChunkRecomputeTest {
  static final long FAR = Long.MAX_VALUE / 4;

  @TempDir Path tmp;
  List<Path> files;
  IndicesFile indices;
  List<String> names = new ArrayList<>();

  @BeforeEach
  void dataset() throws Exception {
    files = SyntheticBatch.writeDataset(tmp, 3, 60, 64, 7);
    List<IndicesScan.Batch> batches = new ArrayList<>();
    for (Path f : files) {
      batches.add(
          new IndicesScan.Batch(f.toString(), f.getFileName().toString(), Files.size(f), null));
    }
    indices =
        IndicesScan.compute(
            batches, SplitConfig.defaults().withChunkSize(4), b -> open(Path.of(b.path())), 1);
    for (Split s : Split.values()) {
      int chunks = (indices.indices(s).length + 3) / 4;
      for (int c = 0; c < chunks; c++) {
        names.add(ChunkNames.chunk(s, c));
      }
    }
    assertTrue(names.size() > 2 * ChunkRecompute.WAVE, "several waves: " + names.size());
  }

  private static FileChannel open(Path p) throws IOException {
    return FileChannel.open(p);
  }

  private List<ChunkInfo> recompute(List<String> chosen, long deadline) throws Exception {
    return ChunkRecompute.recompute(indices, chosen, s -> open(Path.of(s.path())), deadline);
  }

  @Test
  void aChunkIsTheSameAloneOrAmongAllAndItsRecordsAreItsIndicesSlice() throws Exception {
    List<ChunkInfo> all = recompute(names, System.nanoTime() + FAR);
    assertEquals(names, all.stream().map(ChunkInfo::name).toList());
    for (int i : new int[] {0, ChunkRecompute.WAVE, names.size() - 1}) {
      List<ChunkInfo> alone = recompute(List.of(names.get(i)), System.nanoTime() + FAR);
      assertEquals(List.of(all.get(i)), alone);
    }
    long records = all.stream().mapToLong(ChunkInfo::records).sum();
    assertEquals(180, records);
    assertEquals(all, recompute(names, System.nanoTime() + FAR), "deterministic");
  }

  @Test
  void namesThePlanDoesNotMakeAreLeftOutAndAPassedTimeLimitMakesNothing() throws Exception {
    assertEquals(
        List.of(), recompute(List.of("train_chunk_09999.pt", "stray.pt"), System.nanoTime() + FAR));
    assertEquals(List.of(), recompute(names, System.nanoTime() - 1));
  }

  @Test
  void aBatchFileWithOtherRecordsThanTheIndicesIsNamed() throws Exception {
    Path changed = files.get(1);
    SyntheticBatch.write(changed, 60, 59, 64, 7);
    SplitException e =
        assertThrows(SplitException.class, () -> recompute(names, System.nanoTime() + FAR));
    assertTrue(e.getMessage().contains(changed.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("the indices say 60"), e.getMessage());
  }
}
