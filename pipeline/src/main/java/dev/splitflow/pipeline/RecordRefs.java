package dev.splitflow.pipeline;

import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * What the pipeline shuffles: records of one batch file bound for one chunk group, each as its
 * global index and its record encoded with its tensors as references into that file ({@code
 * RecordCodec}, a few hundred bytes however large its images are). The chunk and position of each
 * come from the plan, which the writer also holds.
 *
 * <p>One object with four arrays per list, not several objects per record: the DirectRunner keeps
 * every shuffled value in memory until the last batch is read and copies it through its coder as it
 * goes, and its collector's work grows with the number of objects that survive. A record per object
 * carried its own chunk name, batch path and byte array: five objects per record, where a list now
 * holds four arrays for all its records.
 */
final class RecordRefs {
  private final String batch;
  private final long[] globalIndices;
  private final int[] ends;
  private final byte[] encoded;

  /**
   * @param ends where each record's encoding ends in {@code encoded}; record i spans {@code
   *     ends[i-1]} (0 for the first) to {@code ends[i]}
   */
  RecordRefs(String batch, long[] globalIndices, int[] ends, byte[] encoded) {
    if (globalIndices.length != ends.length) {
      throw new IllegalArgumentException(
          globalIndices.length + " indices but " + ends.length + " record ends");
    }
    int previous = 0;
    for (int end : ends) {
      if (end < previous || end > encoded.length) {
        throw new IllegalArgumentException(
            "record ends " + Arrays.toString(ends) + " do not fit " + encoded.length + " bytes");
      }
      previous = end;
    }
    this.batch = batch;
    this.globalIndices = globalIndices;
    this.ends = ends;
    this.encoded = encoded;
  }

  /** The batch file every record here was read from. */
  String batch() {
    return batch;
  }

  int size() {
    return globalIndices.length;
  }

  long globalIndex(int i) {
    return globalIndices[i];
  }

  /** Record i, its tensors read from {@code decoder}'s channel, which must be {@link #batch()}. */
  PtValue decode(int i, RecordCodec.Decoder decoder) throws IOException {
    int start = i == 0 ? 0 : ends[i - 1];
    return decoder.decode(encoded, start, ends[i] - start);
  }

  // Package-private views for the coder, which writes the arrays as they are.
  long[] globalIndices() {
    return globalIndices;
  }

  int[] ends() {
    return ends;
  }

  byte[] encoded() {
    return encoded;
  }

  /** Collects the records of one batch file for one chunk group, in the order they are added. */
  static final class Builder {
    private final String batch;
    private long[] globalIndices = new long[16];
    private int[] ends = new int[16];
    private int size;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);

    Builder(String batch) {
      this.batch = batch;
    }

    void add(long globalIndex, PtValue record, RecordCodec.Writer writer) throws IOException {
      if (size == globalIndices.length) {
        globalIndices = Arrays.copyOf(globalIndices, size * 2);
        ends = Arrays.copyOf(ends, size * 2);
      }
      writer.encode(record, bytes);
      globalIndices[size] = globalIndex;
      ends[size] = bytes.size();
      size++;
    }

    int size() {
      return size;
    }

    RecordRefs build() {
      return new RecordRefs(
          batch,
          Arrays.copyOf(globalIndices, size),
          Arrays.copyOf(ends, size),
          bytes.toByteArray());
    }
  }
}
