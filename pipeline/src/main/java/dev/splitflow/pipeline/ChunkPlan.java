package dev.splitflow.pipeline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each record goes: for every global index its split, chunk and position in the chunk, packed
 * into one int array per field so a worker holds 12 bytes per record of the dataset.
 */
final class ChunkPlan implements Serializable {
  private static final long serialVersionUID = 1L;
  static final List<String> SPLITS = List.of("train", "val", "test");

  private final byte[] split;
  private final int[] chunk;
  private final int[] position;
  private final int chunkSize;
  private final List<String> chunkNames;

  /**
   * Chunks written by one worker call: the shuffle groups record references by chunk group, not by
   * chunk. Each key costs the DirectRunner a few milliseconds of fixed work (2,000 chunks: about 7
   * s); 8 chunks per key cut that 8-fold and still leave a 100 GB dataset 250 keys to spread.
   */
  static final int CHUNKS_PER_GROUP = 8;

  /** One slot. */
  record Slot(String split, int chunk, int position) {
    String chunkName() {
      return dev.splitflow.output.ChunkNames.chunk(split, chunk);
    }

    /** The shuffle key of this slot's chunk group, e.g. {@code train/3} for chunks 24 to 31. */
    String group() {
      return split + "/" + chunk / CHUNKS_PER_GROUP;
    }
  }

  /** From the three lists of global indices, each in chunk order. */
  ChunkPlan(List<long[]> lists, int chunkSize) {
    int n = 0;
    for (long[] l : lists) {
      n += l.length;
    }
    this.split = new byte[n];
    this.chunk = new int[n];
    this.position = new int[n];
    this.chunkSize = chunkSize;
    java.util.Arrays.fill(split, (byte) -1);
    List<String> names = new ArrayList<>();
    for (int s = 0; s < lists.size(); s++) {
      long[] l = lists.get(s);
      for (int j = 0; j < l.length; j++) {
        int g = (int) l[j];
        if (l[j] < 0 || l[j] >= n || split[g] != -1) {
          throw new IllegalArgumentException(
              "indices list " + SPLITS.get(s) + " holds index " + l[j] + " twice or out of range");
        }
        split[g] = (byte) s;
        chunk[g] = j / chunkSize;
        position[g] = j % chunkSize;
      }
      for (int c = 0; c * chunkSize < l.length; c++) {
        names.add(dev.splitflow.output.ChunkNames.chunk(SPLITS.get(s), c));
      }
    }
    this.chunkNames = List.copyOf(names);
  }

  static ChunkPlan of(dev.splitflow.split.IndicesFile indices) {
    List<long[]> lists = new ArrayList<>();
    for (dev.splitflow.split.Split s : dev.splitflow.split.Split.values()) {
      lists.add(indices.indices(s));
    }
    return new ChunkPlan(lists, indices.chunkSize());
  }

  /** Reads the indices file (through Beam's FileSystems) into a plan. */
  static ChunkPlan read(String indicesPath) throws java.io.IOException {
    String json =
        new String(
            BeamFiles.readAll(BeamFiles.resolveFile(indicesPath)),
            java.nio.charset.StandardCharsets.UTF_8);
    return of(dev.splitflow.split.IndicesFile.parse(json, indicesPath));
  }

  Slot slot(long globalIndex) {
    if (globalIndex < 0 || globalIndex >= split.length) {
      throw new IllegalStateException(
          "record " + globalIndex + " is not in the indices (" + split.length + " records)");
    }
    int g = (int) globalIndex;
    return new Slot(SPLITS.get(split[g]), chunk[g], position[g]);
  }

  int records() {
    return split.length;
  }

  int chunkSize() {
    return chunkSize;
  }

  /** Every chunk file the plan makes, in split then number order. */
  List<String> chunkNames() {
    return chunkNames;
  }
}
