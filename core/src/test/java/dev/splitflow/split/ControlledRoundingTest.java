package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ControlledRoundingTest {

  /**
   * Three strata of 2 at a third each: every share is 2/3. The greedy pass (cells in stratum then
   * split order, all fractions equal) gives strata 0 and 1 train+val and leaves stratum 2 one short
   * with only test open; the repair moves stratum 0's train extra to test and gives train to
   * stratum 2.
   */
  @Test
  void repairFinishesWhatGreedyCannot() {
    long[][] c = ControlledRounding.round(new long[] {2, 2, 2}, w(1, 1, 1), new long[] {2, 2, 2});
    assertArrayEquals(new long[] {0, 1, 1}, c[0]);
    assertArrayEquals(new long[] {1, 1, 0}, c[1]);
    assertArrayEquals(new long[] {1, 0, 1}, c[2]);
  }

  @Test
  void workedExampleFromTheDocs() {
    // 70/15/15 over strata of 6 and 4: totals 7/2/1 (val wins the tie for the last record).
    long[][] c = ControlledRounding.round(new long[] {6, 4}, w(14, 3, 3), new long[] {7, 2, 1});
    assertArrayEquals(new long[] {4, 1, 1}, c[0]);
    assertArrayEquals(new long[] {3, 1, 0}, c[1]);
  }

  /**
   * Random tables, each with every column rounding of the column shares that sums to N (not only
   * the largest-remainder one): rows and columns always add up and every cell is the floor or, if
   * the share is fractional, the ceiling.
   */
  @Test
  void alwaysFeasibleForAnyColumnRounding() {
    Random r = new Random(11);
    long[][] weights = {
      {14, 3, 3},
      {8, 1, 1},
      {1, 0, 0},
      {1, 1, 0},
      {1, 1, 1},
      {3, 1, 1},
      {1, 18, 1},
      {7, 5, 3},
      {999999, 1, 0}
    };
    int cases = 0;
    for (int t = 0; t < 3000; t++) {
      long[] wk = weights[r.nextInt(weights.length)];
      BigInteger[] w = w(wk[0], wk[1], wk[2]);
      long wsum = wk[0] + wk[1] + wk[2];
      long[] n = new long[1 + r.nextInt(r.nextBoolean() ? 6 : 60)];
      long total = 0;
      for (int s = 0; s < n.length; s++) {
        n[s] = r.nextInt(3) > 0 ? 1 + r.nextInt(3) : 1 + r.nextInt(50);
        total += n[s];
      }
      // All roundings of the column shares (floor or ceil) that sum to the total.
      for (int mask = 0; mask < 8; mask++) {
        long[] totals = new long[3];
        long sum = 0;
        boolean ok = true;
        for (int k = 0; k < 3; k++) {
          long floor = total * wk[k] / wsum;
          boolean frac = total * wk[k] % wsum != 0;
          boolean up = (mask >> k & 1) == 1;
          ok &= frac || !up;
          totals[k] = floor + (up ? 1 : 0);
          sum += totals[k];
        }
        if (!ok || sum != total) {
          continue;
        }
        cases++;
        long[][] c = ControlledRounding.round(n, w, totals);
        long[] col = new long[3];
        for (int s = 0; s < n.length; s++) {
          long row = 0;
          for (int k = 0; k < 3; k++) {
            long floor = n[s] * wk[k] / wsum;
            boolean frac = n[s] * wk[k] % wsum != 0;
            long cell = c[s][k];
            assertTrue(cell == floor || (frac && cell == floor + 1), "cell " + s + "," + k);
            row += cell;
            col[k] += cell;
          }
          assertEquals(n[s], row);
        }
        assertArrayEquals(totals, col);
      }
    }
    assertTrue(cases > 3000, "cases " + cases);
  }

  private static BigInteger[] w(long a, long b, long c) {
    return new BigInteger[] {BigInteger.valueOf(a), BigInteger.valueOf(b), BigInteger.valueOf(c)};
  }
}
