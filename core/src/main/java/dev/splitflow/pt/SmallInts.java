package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.IntValue;
import java.math.BigInteger;

/**
 * Shared {@link IntValue}s for the small ints records are full of (counts, flags, sizes): one
 * BigInteger less per int read. Values are immutable and compared by value, so sharing is safe.
 */
final class SmallInts {
  static final long LOW = -128;
  static final long HIGH = 1024;
  static final IntValue[] CACHE = new IntValue[(int) (HIGH - LOW + 1)];

  static {
    for (int i = 0; i < CACHE.length; i++) {
      CACHE[i] = new IntValue(BigInteger.valueOf(LOW + i));
    }
  }

  private SmallInts() {}
}
