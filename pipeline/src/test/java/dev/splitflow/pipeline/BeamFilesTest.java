package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where each kind of output is written before it is complete. */
class BeamFilesTest {
  @TempDir Path tmp;

  @BeforeAll
  static void fileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  @Test
  void cloudStorageChunksAreWrittenStraightToTheirFinalNames() {
    ResourceId target = BeamFiles.resolve("gs://bucket/split/", "train_chunk_00000.pt");
    assertTrue(BeamFiles.writesInPlace(target));
    assertEquals(target, BeamFiles.temp(target));
    assertEquals("gs://bucket/split/train_chunk_00000.pt", BeamFiles.temp(target).toString());
  }

  @Test
  void localChunksAreWrittenToATemporaryFileAndRenamed() throws Exception {
    ResourceId target = BeamFiles.resolve(tmp + "/out/", "val_chunk_00002.pt");
    assertFalse(BeamFiles.writesInPlace(target));
    ResourceId temp = BeamFiles.temp(target);
    assertEquals(tmp + "/out/.splitflow-tmp/val_chunk_00002.pt", temp.toString());
    BeamFiles.writeAtomically(target, new byte[] {1, 2, 3});
    assertEquals(3, Files.size(Path.of(target.toString())));
    assertFalse(Files.exists(Path.of(temp.toString())));
  }

  @Test
  void staleTemporaryFilesAreRemoved() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("o/.splitflow-tmp"));
    Files.write(dir.resolve("train_chunk_00001.pt"), new byte[10]);
    Files.write(dir.resolve("_SPLIT_MANIFEST.json"), new byte[3]);
    assertEquals(2, BeamFiles.deleteStaleTemps(tmp + "/o"));
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void aFullDiskNamesTheFileBeingWritten() {
    ResourceId chunk = BeamFiles.resolve(tmp + "/out/", "train_chunk_00003.pt");
    IOException e =
        WriteChunks.named(BeamFiles.temp(chunk), new IOException("No space left on device"));
    assertTrue(e instanceof FileSystemException, e.toString());
    assertEquals(
        tmp + "/out/.splitflow-tmp/train_chunk_00003.pt", ((FileSystemException) e).getFile());
    assertEquals("No space left on device", ((FileSystemException) e).getReason());
  }
}
