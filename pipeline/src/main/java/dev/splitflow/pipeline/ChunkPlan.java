package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkNames;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where each record goes: for every global index its split, chunk and position in the chunk, packed
 * into one int array per field so a worker holds 12 bytes per record of the dataset.
 */
final class ChunkPlan implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Split[] SPLITS = Split.values();

  private final byte[] split;
  private final int[] chunk;
  private final int[] position;
  private final int chunkSize;
  private final int[] splitSizes;
  private final List<String> chunkNames;
  // Names per split and chunk (and group), made once: every record's reference carries them.
  private final String[][] nameOf;
  private final String[][] groupOf;

  /**
   * Chunks written by one worker call: the shuffle groups record references by chunk group, not by
   * chunk. Each key costs the DirectRunner a few milliseconds of fixed work (2,000 chunks: about 7
   * s); 8 chunks per key cut that 8-fold and still leave a 100 GB dataset 250 keys to spread.
   */
  static final int CHUNKS_PER_GROUP = 8;

  /**
   * The most chunks per group on the DirectRunner, whose monitor thread walks every key's pending
   * timers each time it polls, and polls without pause whenever a worker thread is idle: 32 per
   * group allocated a fifth less than 8 over 100,000 records.
   */
  static final int MAX_LOCAL_CHUNKS_PER_GROUP = 32;

  /**
   * Chunks per group for a run: {@link #CHUNKS_PER_GROUP} on distributed runners; on the
   * DirectRunner up to {@link #MAX_LOCAL_CHUNKS_PER_GROUP}, as long as each of its worker threads
   * still gets about 8 groups, so the last groups do not leave threads idle for long.
   */
  static int chunksPerGroup(int chunks, int localWorkers) {
    if (localWorkers <= 0) {
      return CHUNKS_PER_GROUP;
    }
    return Math.max(
        CHUNKS_PER_GROUP, Math.min(MAX_LOCAL_CHUNKS_PER_GROUP, chunks / (8 * localWorkers)));
  }

  /**
   * One slot: split, chunk number, position in the chunk, the chunk's file name, and the shuffle
   * key of its chunk group ({@code train/3} for train chunks 24 to 31).
   */
  record Slot(Split split, int chunk, int position, String chunkName, String group) {}

  /** From the three lists of global indices, each in chunk order. */
  ChunkPlan(List<long[]> lists, int chunkSize) {
    this(lists, chunkSize, CHUNKS_PER_GROUP);
  }

  ChunkPlan(List<long[]> lists, int chunkSize, int chunksPerGroup) {
    int n = 0;
    for (long[] l : lists) {
      n += l.length;
    }
    this.split = new byte[n];
    this.chunk = new int[n];
    this.position = new int[n];
    this.chunkSize = chunkSize;
    this.splitSizes = new int[lists.size()];
    Arrays.fill(split, (byte) -1);
    List<String> names = new ArrayList<>();
    this.nameOf = new String[lists.size()][];
    this.groupOf = new String[lists.size()][];
    for (int s = 0; s < lists.size(); s++) {
      long[] l = lists.get(s);
      splitSizes[s] = l.length;
      for (int j = 0; j < l.length; j++) {
        int g = (int) l[j];
        if (l[j] < 0 || l[j] >= n || split[g] != -1) {
          throw new IllegalArgumentException(
              "indices list "
                  + SPLITS[s].jsonName()
                  + " holds index "
                  + l[j]
                  + " twice or out of range");
        }
        split[g] = (byte) s;
        chunk[g] = j / chunkSize;
        position[g] = j % chunkSize;
      }
      int chunks = (l.length + chunkSize - 1) / chunkSize;
      nameOf[s] = new String[chunks];
      groupOf[s] = new String[chunks];
      for (int c = 0; c < chunks; c++) {
        nameOf[s][c] = ChunkNames.chunk(SPLITS[s], c);
        groupOf[s][c] =
            c % chunksPerGroup == 0
                ? SPLITS[s].jsonName() + "/" + c / chunksPerGroup
                : groupOf[s][c - 1];
        names.add(nameOf[s][c]);
      }
    }
    this.chunkNames = List.copyOf(names);
  }

  static ChunkPlan of(IndicesFile indices) {
    return of(indices, CHUNKS_PER_GROUP);
  }

  static ChunkPlan of(IndicesFile indices, int chunksPerGroup) {
    List<long[]> lists = new ArrayList<>();
    for (Split s : Split.values()) {
      lists.add(indices.indices(s));
    }
    return new ChunkPlan(lists, indices.chunkSize(), chunksPerGroup);
  }

  /** Reads the indices file (through Beam's FileSystems) into a plan. */
  static ChunkPlan read(String indicesPath, int chunksPerGroup) throws IOException {
    String json =
        new String(BeamFiles.readAll(BeamFiles.resolveFile(indicesPath)), StandardCharsets.UTF_8);
    return of(IndicesFile.parse(json, indicesPath), chunksPerGroup);
  }

  Slot slot(long globalIndex) {
    if (globalIndex < 0 || globalIndex >= split.length) {
      throw new IllegalStateException(
          "record " + globalIndex + " is not in the indices (" + split.length + " records)");
    }
    int g = (int) globalIndex;
    int s = split[g];
    return new Slot(SPLITS[s], chunk[g], position[g], nameOf[s][chunk[g]], groupOf[s][chunk[g]]);
  }

  /** How many records the chunk of this slot holds: the chunk size, less for a split's last. */
  int recordsIn(Slot slot) {
    int s = slot.split().ordinal();
    return Math.min(chunkSize, splitSizes[s] - slot.chunk() * chunkSize);
  }

  int records() {
    return split.length;
  }

  /** Every chunk file the plan makes, in split then number order. */
  List<String> chunkNames() {
    return chunkNames;
  }
}
