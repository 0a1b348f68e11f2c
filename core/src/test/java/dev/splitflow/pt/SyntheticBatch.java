package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes a batch file shaped like the users': chest-X-ray-like records whose images are, as in
 * files torch writes from a stacked tensor, views into shared storages of 16 images each.
 */
final class SyntheticBatch {
  private SyntheticBatch() {}

  static final int IMAGES_PER_STACK = 16;

  /**
   * Writes about {@code totalBytes} of float16 images of {@code imageBytes} each; returns count.
   */
  static int write(Path file, long totalBytes, int imageBytes) throws IOException {
    int records = (int) (totalBytes / imageBytes);
    long elems = imageBytes / 2;
    Random random = new Random(7);
    byte[] stack = new byte[imageBytes * IMAGES_PER_STACK];
    random.nextBytes(stack);
    String[] views = {"PA", "AP", "LATERAL"};
    try (PtWriter w =
        new PtWriter(
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING),
            PtWriter.archiveNameFor(file.getFileName().toString()))) {
      StorageRef storage = null;
      for (int k = 0; k < records; k++) {
        if (k % IMAGES_PER_STACK == 0) {
          stack[k % stack.length] ^= (byte) k; // every stack differs
          storage = StorageRef.ofBytes(DType.FLOAT16, stack);
        }
        TensorValue image =
            new TensorValue(
                DType.FLOAT16,
                new long[] {1, elems},
                new long[] {elems, 1},
                elems * (k % IMAGES_PER_STACK),
                storage,
                false,
                false);
        Map<String, PtValue> m = new LinkedHashMap<>();
        m.put("image", image);
        m.put("view_position", StrValue.of(views[k % 3]));
        m.put(
            "clinical_features",
            k % 5 < 2
                ? NoneValue.NONE
                : ListValue.of(java.util.List.of(IntValue.of(k % 90), IntValue.of(k % 2))));
        m.put("subject_id", IntValue.of(10_000 + k / 3));
        w.append(DictValue.of(m));
      }
    }
    return records;
  }
}
