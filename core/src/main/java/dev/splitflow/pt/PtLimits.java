package dev.splitflow.pt;

/**
 * What one pickle may make the reader hold, whatever its content: without these, a few KB of
 * deflated {@code data.pkl} (50 million EMPTY_LIST opcodes, one 300 MiB string) takes GBs. Each
 * limit is far above what {@code torch.save} writes for real data, and each can be raised for an
 * unusual but legitimate file with a system property ({@code JAVA_OPTS="-Dsplitflow.pt.maxValues=
 * 50000000" ./splitflow inspect big.pt}). docs/pt-format.md lists them and why.
 */
final class PtLimits {
  private PtLimits() {}

  /**
   * Values on the pickle machine's stack at once. Python's pickler never leaves more than a batch
   * of 1,000 items per open container there.
   */
  static final long MAX_STACK = limit("splitflow.pt.maxStack", 100_000);

  /**
   * Values (containers, scalars and container items) made while reading one pickle, or, when a list
   * of records is streamed, since the last record was handed out plus those made for earlier
   * records that the memo may still hold: about 50 bytes of heap each. When streamed, the records
   * handed out may also reach at most this many values beyond the pickle's bytes through values
   * they share (each record is encoded, printed or written in full).
   */
  static final long MAX_VALUES = limit("splitflow.pt.maxValues", 8_000_000);

  /** Bytes of one str or bytes value. */
  static final long MAX_STRING_BYTES = limit("splitflow.pt.maxStringBytes", 64L << 20);

  /** Bytes of all str and bytes values of one pickle together. */
  static final long MAX_TOTAL_STRING_BYTES = limit("splitflow.pt.maxTotalStringBytes", 256L << 20);

  /**
   * When a list of records is streamed, inline payload bytes (str, bytes, numpy array data, not
   * tensor storages) that the records handed out so far carry beyond the pickle's bytes read so
   * far, through values they share: each record is encoded and written with its own copy, so a 64
   * MiB string memoized once and reused by every record would write 64 MiB per record. Real records
   * share only short values (dict keys, labels such as 'PA'), a few bytes per reuse, far below the
   * size of one largest string.
   */
  static final long MAX_SHARED_BYTES = limit("splitflow.pt.maxSharedBytes", 64L << 20);

  /** Memo entries kept at once. */
  static final long MAX_MEMO = limit("splitflow.pt.maxMemo", 8_000_000);

  /** The first malformed limit property, reported by {@link #check} (not at class init). */
  private static String invalid;

  private static long limit(String property, long dflt) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim().replace("_", ""));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    if (invalid == null) {
      invalid =
          "system property "
              + property
              + " must be a positive whole number, found '"
              + Echo.cut(v)
              + "'";
    }
    return dflt;
  }

  /** Refuses to read with a malformed limit rather than silently using the default. */
  static void check() {
    if (invalid != null) {
      throw new IllegalArgumentException(invalid);
    }
  }

  /** The hint an error about {@code property} ends with. */
  static String raise(String property, long limit) {
    return "; the limit is "
        + limit
        + " (raise it with -D"
        + property
        + "=N in JAVA_OPTS if the file is trusted)";
  }
}
