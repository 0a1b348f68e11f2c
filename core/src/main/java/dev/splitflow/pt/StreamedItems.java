package dev.splitflow.pt;

import java.io.IOException;

/**
 * The values a pickle makes, counted against {@link PtLimits#MAX_VALUES}, and, when {@link
 * Unpickler#stream} reads a list record by record, the items it hands out. Kept apart from the
 * opcode dispatch because these counts are what keeps a streamed file's memory bounded by one
 * record: values kept in the memo across records count against later records, and values records
 * reach through what they share count against the bytes read.
 */
final class StreamedItems {
  /** Receives the items of the top-level list while streaming, in order. */
  interface ItemSink {
    void item(PtValue item) throws IOException;
  }

  private final PickleInput at;

  /** Where the top-level list's items go when streaming, or null. */
  private ItemSink sink;

  private long streamed;

  /** Values made since the pickle started, or since the last item was handed out. */
  private long made;

  /**
   * Values made for items already handed out that the memo may still hold for later items: all of
   * an item's values once the memo keeps a container made for it (which later opcodes can reach),
   * since which of them the container reaches is not known without walking it. They count against
   * {@link PtLimits#MAX_VALUES} with each later item's own, so memory cannot grow item by item.
   */
  private long retained;

  /** Whether the memo kept a container since the last item was handed out. */
  private boolean keptContainer;

  /**
   * Values of the items handed out so far, each counted as often as items reach it (a list shared
   * by every record counts once per record): what reading, encoding or printing them one at a time
   * costs. At most the pickle's bytes so far plus {@link PtLimits#MAX_VALUES}.
   */
  private long expanded;

  /**
   * Inline payload bytes ({@link Values#inlineBytes}) of the items handed out so far, counted like
   * {@link #expanded}: at most the pickle's bytes so far plus {@link PtLimits#MAX_SHARED_BYTES}.
   */
  private long expandedBytes;

  /**
   * @param at where errors are placed, and how many bytes of the pickle were read
   */
  StreamedItems(PickleInput at) {
    this.at = at;
  }

  /** Starts a new pickle whose top-level list's items go to {@code itemSink} (null: kept). */
  void reset(ItemSink itemSink) {
    sink = itemSink;
    streamed = 0;
    made = 0;
    retained = 0;
    keptContainer = false;
    expanded = 0;
    expandedBytes = 0;
  }

  /** Whether items are handed out rather than kept. */
  boolean streaming() {
    return sink != null;
  }

  /** Items handed out so far. */
  long streamed() {
    return streamed;
  }

  /** Notes that the memo kept a container, which later items may reach. */
  void keptContainer() {
    if (sink != null) {
      keptContainer = true;
    }
  }

  /** Counts {@code n} values made (or container items added) against the per-pickle limit. */
  void count(long n) {
    made += n;
    if (made + retained > PtLimits.MAX_VALUES) {
      throw at.error(
          "more than "
              + PtLimits.MAX_VALUES
              + " values in one pickle"
              + (sink == null ? "" : retained == 0 ? " (between two records)" : keptAcross())
              + PtLimits.raise("splitflow.pt.maxValues", PtLimits.MAX_VALUES));
    }
  }

  private String keptAcross() {
    return " (between two records, with "
        + retained
        + " made for earlier records and kept in the memo for later ones)";
  }

  /** Seals {@code item}, checks what handing it out costs, and hands it out. */
  void emit(PtValue item) throws IOException {
    try {
      Values.seal(item);
    } catch (Values.ShapeException e) {
      throw at.error(e.getMessage());
    }
    long pos = at.position();
    long nodes = item instanceof PtValue.Container c ? c.expandedNodes : 1;
    expanded = expanded + nodes < 0 ? Long.MAX_VALUE : expanded + nodes;
    if (expanded - pos > PtLimits.MAX_VALUES) {
      // Each value costs the pickle at least a byte unless something already read is reused:
      // beyond this, records reuse values of earlier records more than the file could hold.
      throw at.error(
          "record "
              + streamed
              + " brings the records read so far to "
              + (expanded == Long.MAX_VALUE ? "over 2^63" : expanded)
              + " values through values they share, more than the "
              + pos
              + " bytes of pickle read plus "
              + PtLimits.MAX_VALUES
              + "; each record would expand them again"
              + PtLimits.raise("splitflow.pt.maxValues", PtLimits.MAX_VALUES));
    }
    expandedBytes = Values.saturatingAdd(expandedBytes, Values.inlineBytes(item));
    if (expandedBytes - pos > PtLimits.MAX_SHARED_BYTES) {
      // A payload costs the pickle its bytes unless something already read is reused: beyond
      // this, records copy strings, bytes or arrays of earlier records more than the file held.
      throw at.error(
          "record "
              + streamed
              + " brings the records read so far to "
              + (expandedBytes == Long.MAX_VALUE ? "over 2^63" : expandedBytes)
              + " bytes of str, bytes and array data through values they share, more than the "
              + pos
              + " bytes of pickle read plus "
              + PtLimits.MAX_SHARED_BYTES
              + "; each record would copy them again"
              + PtLimits.raise("splitflow.pt.maxSharedBytes", PtLimits.MAX_SHARED_BYTES));
    }
    if (keptContainer) {
      retained += made;
      keptContainer = false;
    }
    streamed++;
    made = 0;
    sink.item(item);
  }
}
