package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchOrderTest {

  @Test
  void numbersCompareByValue() {
    assertEquals(
        List.of("batch_1.pt", "batch_2.pt", "batch_10.pt", "batch_100.pt"),
        BatchOrder.sort(List.of("batch_10.pt", "batch_2.pt", "batch_100.pt", "batch_1.pt")));
  }

  @Test
  void sortsByBasenameWhateverTheFolder() {
    assertEquals(
        List.of("gs://b/z/batch_2.pt", "/data/a/batch_10.pt", "C:\\x\\batch_11.pt"),
        BatchOrder.sort(
            List.of("C:\\x\\batch_11.pt", "/data/a/batch_10.pt", "gs://b/z/batch_2.pt")));
    assertEquals("batch_3.pt", BatchOrder.basename("gs://bucket/dir/batch_3.pt"));
  }

  @Test
  void equalNumbersThenTextThenPath() {
    assertEquals(
        List.of(
            "batch_02.pt",
            "a/batch_2.pt",
            "b/batch_2.pt",
            "batch_2.pt",
            "batch_2a.pt",
            "batch_3.pt"),
        BatchOrder.sort(
            List.of(
                "batch_3.pt",
                "batch_2a.pt",
                "b/batch_2.pt",
                "batch_2.pt",
                "a/batch_2.pt",
                "batch_02.pt")));
    // Digit runs longer than a long still compare by value.
    assertEquals(
        List.of("x_99999999999999999999.pt", "x_100000000000000000000.pt"),
        BatchOrder.sort(List.of("x_100000000000000000000.pt", "x_99999999999999999999.pt")));
    assertEquals(List.of("b", "b1", "b_1", "ba"), BatchOrder.sort(List.of("ba", "b_1", "b1", "b")));
  }

  @Test
  void isStableForIdenticalPaths() {
    String a = new String("batch_1.pt");
    String b = new String("batch_1.pt");
    List<String> sorted = BatchOrder.sort(List.of(a, b));
    assertTrue(sorted.get(0) == a && sorted.get(1) == b);
  }

  @Test
  void orderIsTotalAndIndependentOfInput() {
    Random r = new Random(3);
    String alphabet = "ab_0129.";
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = r.nextInt(8); j >= 0; j--) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      names.add((r.nextBoolean() ? "d" + r.nextInt(3) + "/" : "") + sb);
    }
    List<String> sorted = BatchOrder.sort(names);
    for (int t = 0; t < 20; t++) {
      Collections.shuffle(names, r);
      assertEquals(sorted, BatchOrder.sort(names));
    }
    // Antisymmetric and transitive on every triple of a sample.
    List<String> sample = sorted.subList(0, 60);
    for (String x : sample) {
      for (String y : sample) {
        int xy = Integer.signum(BatchOrder.COMPARATOR.compare(x, y));
        assertEquals(-xy, Integer.signum(BatchOrder.COMPARATOR.compare(y, x)));
        assertEquals(xy == 0, x.equals(y));
        for (String z : sample) {
          if (xy < 0 && BatchOrder.COMPARATOR.compare(y, z) < 0) {
            assertTrue(BatchOrder.COMPARATOR.compare(x, z) < 0);
          }
        }
      }
    }
  }
}
