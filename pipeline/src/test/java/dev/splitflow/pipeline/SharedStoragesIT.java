package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ChunkRecompute;
import dev.splitflow.output.Manifest;
import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtJson;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.StorageRef;
import dev.splitflow.pt.TorchPython;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch whose records view the same storages between them (torch.save of expand() views of one
 * row, overlapping windows of one signal, one tensor in every record; golden {@code
 * adv_shared_storage.pt}): the split writes each source storage once per chunk, so no chunk holds
 * more tensor bytes than the source storages its records view, and torch loads every chunk with the
 * records' values.
 */
class SharedStoragesIT {
  @TempDir Path tmp;

  @Test
  void eachChunkHoldsNoMoreTensorBytesThanTheSourceStoragesAndLoadsInTorch() throws Exception {
    Path golden =
        TorchPython.REPO.resolve("core/src/test/resources/golden/valid/adv_shared_storage.pt");
    Path batches = Files.createDirectories(tmp.resolve("batches"));
    Path batch = Files.copy(golden, batches.resolve("batch_0.pt"));
    Path out = tmp.resolve("out");
    SplitPipeline.SplitRun run = SplitPipelineIT.split(SplitPipelineIT.options(batches, out, 2));

    long sourceBytes;
    List<String> sourceJson = new ArrayList<>();
    try (PtFile f = PtFile.open(batch)) {
      sourceBytes = f.storages().stream().mapToLong(StorageRef::byteLength).sum();
      for (PtValue r : f.records()) {
        sourceJson.add(PtJson.toJson(r, false));
      }
    }
    int chunks = 0;
    for (Split s : Split.values()) {
      long[] list = run.indices().indices(s);
      for (int c = 0; c * 50 < list.length; c++, chunks++) {
        Path chunk = out.resolve(ChunkNames.chunk(s, c));
        assertTrue(tensorBytes(chunk) <= sourceBytes, chunk + ": " + tensorBytes(chunk));
        List<String> take = new ArrayList<>();
        try (PtFile back = PtFile.open(chunk)) {
          List<PtValue> records = back.records();
          for (int i = 0; i < records.size(); i++) {
            long global = list[c * 50 + i];
            assertEquals(sourceJson.get((int) global), PtJson.toJson(records.get(i), false));
            take.add("0:" + global);
          }
        }
        TorchPython.Result r =
            TorchPython.run(
                "interop_check.py",
                List.of(
                    "--source",
                    batch.toString(),
                    "--chunk",
                    chunk.toString(),
                    "--take",
                    String.join(",", take)));
        assertEquals(0, r.code(), chunk + ":\n" + r.output());
      }
    }
    assertEquals(4, chunks); // 84 train records in 2 chunks, 18 val and 18 test in one each

    // The verify function's deep check makes chunks without a runner: it must write shared
    // storages as the pipeline does, or every chunk of such a batch would read as tampered.
    Manifest manifest =
        Manifest.parse(Files.readString(out.resolve(ChunkNames.MANIFEST)), "the manifest");
    List<ChunkInfo> remade =
        ChunkRecompute.recompute(
            run.indices(),
            manifest.chunks().stream().map(ChunkInfo::name).toList(),
            source -> Files.newByteChannel(batches.resolve(source.file())),
            System.nanoTime() + 3_600_000_000_000L);
    assertEquals(manifest.chunks(), remade);
  }

  /** Bytes of a chunk's storages: its {@code data/} entries. */
  private static long tensorBytes(Path chunk) throws IOException {
    long total = 0;
    try (ZipFile z = new ZipFile(chunk.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        if (e.getName().contains("/data/")) {
          total += e.getSize();
        }
      }
    }
    return total;
  }
}
