package dev.splitflow.pt;

import java.security.SecureRandom;

/**
 * SipHash-2-4 with keys drawn once per JVM from {@link SecureRandom}: the hash behind every table a
 * file's content indexes (dict and set keys, zip entry names). Java's own {@code hashCode}s of
 * strings, byte arrays and lists are public polynomials, so a file can carry thousands of keys that
 * share one and turn each lookup into a scan; without the keys, colliding inputs cannot be chosen.
 */
final class SipHash {
  private static final long[] KEYS = new long[4];

  static {
    SecureRandom r = new SecureRandom();
    for (int i = 0; i < KEYS.length; i++) {
      KEYS[i] = r.nextLong();
    }
  }

  private SipHash() {}

  /** The first 64-bit hash of {@code data[from, to)}, after a one-byte domain tag. */
  static long hash(int tag, byte[] data, int from, int to) {
    return sip(KEYS[0], KEYS[1], tag, data, from, to);
  }

  /** A second, independent 64-bit hash of the same input. */
  static long hash2(int tag, byte[] data, int from, int to) {
    return sip(KEYS[2], KEYS[3], tag, data, from, to);
  }

  private static long sip(long k0, long k1, int tag, byte[] data, int from, int to) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int len = to - from + 1; // the tag byte comes first
    long m = tag & 0xFF;
    int filled = 1;
    for (int i = from; i < to; i++) {
      m |= (data[i] & 0xFFL) << (8 * filled);
      if (++filled == 8) {
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
          v0 += v1;
          v1 = Long.rotateLeft(v1, 13);
          v1 ^= v0;
          v0 = Long.rotateLeft(v0, 32);
          v2 += v3;
          v3 = Long.rotateLeft(v3, 16);
          v3 ^= v2;
          v0 += v3;
          v3 = Long.rotateLeft(v3, 21);
          v3 ^= v0;
          v2 += v1;
          v1 = Long.rotateLeft(v1, 17);
          v1 ^= v2;
          v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        m = 0;
        filled = 0;
      }
    }
    m |= ((long) len & 0xFF) << 56;
    v3 ^= m;
    for (int r = 0; r < 2; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    v0 ^= m;
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }
}
