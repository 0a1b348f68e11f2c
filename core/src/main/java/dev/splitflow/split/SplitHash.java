package dev.splitflow.split;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hashes the planner ranks and orders by. Each is the first 8 bytes, read as a big-endian
 * unsigned 64-bit number, of SHA-256 over the UTF-8 bytes of {@code "splitflow-v1|" + purpose + "|"
 * + seed + "|" + name}, with the seed in decimal (e.g. {@code -7}). Compare the results with {@link
 * Long#compareUnsigned}.
 *
 * <p>Purposes: {@code rank} (which records of a stratum go to train first, named by record
 * identity), {@code order} (order of records inside a split, by identity) and {@code group} (order
 * of equal-sized groups in group mode, by group id). Different purposes make independent orders, so
 * a record's place in its split says nothing about which split it was picked for.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class SplitHash {
  /** Changes only if the scheme changes; part of every hash input and of the indices file. */
  public static final String SCHEME = "splitflow-v1";

  public static final String RANK = "rank";
  public static final String ORDER = "order";
  public static final String GROUP = "group";

  private final MessageDigest sha256;
  private final byte[] prefix;
  private final byte[] out = new byte[32];

  public SplitHash(String purpose, long seed) {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    prefix = (SCHEME + "|" + purpose + "|" + seed + "|").getBytes(StandardCharsets.UTF_8);
  }

  /** The hash of {@code name} (a record identity or group id), unsigned. */
  public long hash(String name) {
    sha256.update(prefix);
    sha256.update(name.getBytes(StandardCharsets.UTF_8));
    try {
      sha256.digest(out, 0, 32);
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (out[i] & 0xFF);
    }
    return h;
  }
}
