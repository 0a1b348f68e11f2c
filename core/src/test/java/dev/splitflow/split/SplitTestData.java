package dev.splitflow.split;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Records and independent reference computations for the split tests. Nothing here calls the code
 * under test to compute an expectation: hashes use MessageDigest directly and quotas use
 * BigDecimal.
 */
final class SplitTestData {
  private SplitTestData() {}

  static final double THIRD = 1.0 / 3;
  static final SplitRatios[] RATIOS = {
    new SplitRatios(0.7, 0.15, 0.15),
    new SplitRatios(0.8, 0.1, 0.1),
    new SplitRatios(1, 0, 0),
    new SplitRatios(0.5, 0.5, 0),
    new SplitRatios(THIRD, THIRD, THIRD),
    new SplitRatios(0.6, 0.2, 0.2),
    new SplitRatios(0.05, 0.9, 0.05),
  };

  static Stratum stratum(int i) {
    return Stratum.of(
        List.of("view_position", "has:clinical_features"),
        List.of("V" + (i / 2), Boolean.toString(i % 2 == 0)));
  }

  /** Stratum sizes for one random case: many tiny strata (1, 2, 3) among larger ones. */
  static int[] randomSizes(Random r) {
    int[] sizes = new int[1 + r.nextInt(14)];
    for (int i = 0; i < sizes.length; i++) {
      int kind = r.nextInt(5);
      sizes[i] = kind < 2 ? 1 + r.nextInt(3) : kind < 4 ? 1 + r.nextInt(40) : 1 + r.nextInt(600);
    }
    return sizes;
  }

  /**
   * Records of the given stratum sizes, with identities over several batch files and global indices
   * that are not 0..N-1 (every third number, offset by 5), in a shuffled order.
   */
  static List<RecordInfo> records(int[] sizes, Random r) {
    List<RecordInfo> out = new ArrayList<>();
    int i = 0;
    for (int s = 0; s < sizes.length; s++) {
      for (int j = 0; j < sizes[s]; j++, i++) {
        out.add(new RecordInfo(5 + 3L * i, identity(i), stratum(s), null));
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  static String identity(int i) {
    return "batch_" + (i / 97) + ".pt#" + (i % 97);
  }

  /** First 8 bytes big-endian of SHA-256 of the text, computed here without SplitHash. */
  static long sha64(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(d).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static long rankHash(long seed, String identity) {
    return sha64("splitflow-v1|rank|" + seed + "|" + identity);
  }

  static long orderHash(long seed, String identity) {
    return sha64("splitflow-v1|order|" + seed + "|" + identity);
  }

  static long groupHash(long seed, String group) {
    return sha64("splitflow-v1|group|" + seed + "|" + group);
  }

  /** The ratios as exact decimals (their shortest repr, which Double.toString gives for these). */
  static BigDecimal[] decimals(SplitRatios r) {
    return new BigDecimal[] {
      new BigDecimal(Double.toString(r.train())),
      new BigDecimal(Double.toString(r.val())),
      new BigDecimal(Double.toString(r.test()))
    };
  }

  /** The sum of the decimals: the denominator of every exact share. */
  static BigDecimal sum(BigDecimal[] d) {
    return d[0].add(d[1]).add(d[2]);
  }

  /** Largest-remainder quotas of n, ties to the earlier split, in BigDecimal. */
  static long[] largestRemainder(long n, SplitRatios ratios) {
    BigDecimal[] d = decimals(ratios);
    BigDecimal total = sum(d);
    long[] q = new long[3];
    BigDecimal[] rem = new BigDecimal[3];
    long left = n;
    for (int k = 0; k < 3; k++) {
      BigDecimal share = BigDecimal.valueOf(n).multiply(d[k]);
      BigDecimal floor = share.divide(total, 0, RoundingMode.FLOOR);
      q[k] = floor.longValueExact();
      rem[k] = share.subtract(floor.multiply(total));
      left -= q[k];
    }
    for (; left > 0; left--) {
      int best = -1;
      for (int k = 0; k < 3; k++) {
        if (rem[k] != null && (best < 0 || rem[k].compareTo(rem[best]) > 0)) {
          best = k;
        }
      }
      q[best]++;
      rem[best] = null;
    }
    return q;
  }

  /** {@code c * sum(d) - n * d_k}: the count's distance from the exact share, times sum(d). */
  static BigDecimal scaledOff(long c, long n, SplitRatios ratios, int k) {
    BigDecimal[] d = decimals(ratios);
    return BigDecimal.valueOf(c).multiply(sum(d)).subtract(BigDecimal.valueOf(n).multiply(d[k]));
  }
}
