package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.ListValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A pickle names a view of a storage in a few bytes, so many distinct views of one large storage
 * would make {@code inspect} hash far more than the file holds: digests stop at a budget of twice
 * the storages' bytes plus {@link PtJson#DIGEST_BUDGET}, and equal views share one digest.
 */
class PtJsonDigestBudgetTest {
  private static final int STORAGE = 64 << 10;

  private static StorageRef storage() {
    byte[] bytes = new byte[STORAGE];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    return StorageRef.ofBytes(DType.UINT8, bytes);
  }

  /** Views of almost the whole storage, each at its own offset, so no two are equal. */
  private static ListValue distinctViews(StorageRef s, int count) {
    List<PtValue> views = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      views.add(TensorValue.view(s, new long[] {STORAGE - count}, new long[] {1}, i));
    }
    return ListValue.of(views);
  }

  private static int count(String json, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(json);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void distinctViewsOfOneStorageStopBeingHashedAtTheBudget() throws IOException {
    StorageRef s = storage();
    int views = 200;
    long base = 10L * STORAGE;
    String json = PtJson.toJson(distinctViews(s, views), true, base);

    long each = STORAGE - views;
    long budget = base + 2L * STORAGE;
    int hashed = count(json, "\"sha256\": \"");
    int skipped = count(json, "\"digest_skipped\": true");
    assertEquals(views, hashed + skipped, json.substring(0, 300));
    assertEquals(budget / each, hashed, "views hashed within the budget");
    assertTrue(skipped > 0);
  }

  @Test
  void withinTheBudgetEveryViewIsHashedAndEqualViewsShareOneDigest() throws IOException {
    StorageRef s = storage();
    TensorValue a = TensorValue.view(s, new long[] {STORAGE}, new long[] {1}, 0);
    TensorValue same = TensorValue.view(s, new long[] {STORAGE}, new long[] {1}, 0);
    List<PtValue> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(i % 2 == 0 ? a : same);
    }
    // 100 equal views hash the storage once: a budget of one storage's bytes is enough.
    String json = PtJson.toJson(ListValue.of(many), true, 0);
    assertEquals(0, count(json, "digest_skipped"));
    assertEquals(100, count(json, "\"sha256\": \"" + PtJson.sha256(a) + "\""));

    // The default budget covers any file whose views do not overlap.
    String plain = PtJson.toJson(distinctViews(s, 4), true);
    assertEquals(0, count(plain, "digest_skipped"));
  }
}
