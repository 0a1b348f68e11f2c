package dev.splitflow.demo;

import dev.splitflow.pt.DType;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtWriter;
import dev.splitflow.pt.StorageRef;
import dev.splitflow.pt.TensorValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes batch files shaped like the users': chest-X-ray-like records whose float16 images are, as
 * in files torch writes from a stacked tensor, views into shared storages of 16 images each. Used
 * by the benchmarks and tests; the image bytes are random.
 */
public final class SyntheticBatch {
  private SyntheticBatch() {}

  public static final int IMAGES_PER_STACK = 16;
  private static final String[] VIEWS = {"PA", "AP", "LATERAL"};

  /**
   * Writes a dataset of {@code batches} files {@code batch_1.pt} ... into {@code dir}, {@code
   * recordsPerBatch} records each; returns the files.
   */
  public static List<Path> writeDataset(
      Path dir, int batches, int recordsPerBatch, int imageBytes, long seed) throws IOException {
    Files.createDirectories(dir);
    List<Path> files = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      Path f = dir.resolve("batch_" + (b + 1) + ".pt");
      write(f, (long) b * recordsPerBatch, recordsPerBatch, imageBytes, seed + b);
      files.add(f);
    }
    return files;
  }

  /** Writes {@code records} records with images of {@code imageBytes} bytes each. */
  public static void write(Path file, int records, int imageBytes, long seed) throws IOException {
    write(file, 0, records, imageBytes, seed);
  }

  /**
   * Writes records {@code first} to {@code first + records - 1} of a dataset: view positions skewed
   * (about 60% PA, 20% AP, 20% LATERAL), about 40% without clinical data, and three studies per
   * patient on average, so patients span batch files.
   */
  public static void write(Path file, long first, int records, int imageBytes, long seed)
      throws IOException {
    long elems = imageBytes / 2;
    long side = (long) Math.sqrt(elems);
    Random random = new Random(seed);
    byte[] stack = new byte[imageBytes * IMAGES_PER_STACK];
    random.nextBytes(stack);
    try (PtWriter w = PtWriter.create(file)) {
      StorageRef storage = null;
      for (long k = first; k < first + records; k++) {
        if ((k - first) % IMAGES_PER_STACK == 0) {
          stack[random.nextInt(stack.length)] ^= (byte) (k + 1); // every stack differs
          storage = StorageRef.ofBytes(DType.FLOAT16, stack);
        }
        TensorValue image =
            TensorValue.view(
                storage,
                side * side == elems ? new long[] {1, side, side} : new long[] {1, elems},
                side * side == elems ? new long[] {elems, side, 1} : new long[] {elems, 1},
                elems * ((k - first) % IMAGES_PER_STACK));
        Map<String, PtValue> m = new LinkedHashMap<>();
        m.put("image", image);
        m.put("view_position", StrValue.of(VIEWS[random.nextInt(10) < 6 ? 0 : 1 + (int) (k % 2)]));
        m.put(
            "clinical_features",
            random.nextInt(10) < 4
                ? NoneValue.NONE
                : ListValue.of(List.of(IntValue.of(20 + random.nextInt(70)), IntValue.of(k % 2))));
        m.put("study_id", StrValue.of(String.format("s%08d", k)));
        m.put("subject_id", IntValue.of(10_000 + k / 3));
        w.append(DictValue.of(m));
      }
    }
  }
}
