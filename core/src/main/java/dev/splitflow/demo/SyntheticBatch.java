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
import java.nio.file.Path;
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

  /** Writes {@code records} records with images of {@code imageBytes} bytes each. */
  public static void write(Path file, int records, int imageBytes, long seed) throws IOException {
    long elems = imageBytes / 2;
    Random random = new Random(seed);
    byte[] stack = new byte[imageBytes * IMAGES_PER_STACK];
    random.nextBytes(stack);
    try (PtWriter w = PtWriter.create(file)) {
      StorageRef storage = null;
      for (int k = 0; k < records; k++) {
        if (k % IMAGES_PER_STACK == 0) {
          stack[random.nextInt(stack.length)] ^= (byte) (k + 1); // every stack differs
          storage = StorageRef.ofBytes(DType.FLOAT16, stack);
        }
        TensorValue image =
            TensorValue.view(
                storage,
                new long[] {1, elems},
                new long[] {elems, 1},
                elems * (k % IMAGES_PER_STACK));
        Map<String, PtValue> m = new LinkedHashMap<>();
        m.put("image", image);
        m.put("view_position", StrValue.of(VIEWS[random.nextInt(10) < 6 ? 0 : 1 + k % 2]));
        m.put(
            "clinical_features",
            random.nextInt(10) < 4
                ? NoneValue.NONE
                : ListValue.of(List.of(IntValue.of(20 + random.nextInt(70)), IntValue.of(k % 2))));
        m.put("subject_id", IntValue.of(10_000 + k / 3));
        w.append(DictValue.of(m));
      }
    }
  }
}
