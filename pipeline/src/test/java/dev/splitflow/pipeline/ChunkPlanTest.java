package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splitflow.split.Split;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkPlanTest {

  @Test
  void slotsFollowTheListsAndChunkGroupsHoldEightConsecutiveChunks() {
    // train holds global indices 0..19, val 20..22, test none; chunks of 2.
    long[] train = new long[20];
    for (int i = 0; i < train.length; i++) {
      train[i] = 19 - i;
    }
    ChunkPlan plan = new ChunkPlan(List.of(train, new long[] {20, 21, 22}, new long[0]), 2);

    assertEquals(
        new ChunkPlan.Slot(Split.TRAIN, 0, 0, "train_chunk_00000.pt", "train/0"), plan.slot(19));
    assertEquals(
        new ChunkPlan.Slot(Split.TRAIN, 9, 1, "train_chunk_00009.pt", "train/1"), plan.slot(0));
    assertEquals(new ChunkPlan.Slot(Split.VAL, 1, 0, "val_chunk_00001.pt", "val/0"), plan.slot(22));
    // Every reference to one chunk carries the same name instance.
    assertSame(plan.slot(19).chunkName(), plan.slot(18).chunkName());

    Set<String> trainGroups = new HashSet<>();
    for (long g = 0; g < 20; g++) {
      ChunkPlan.Slot s = plan.slot(g);
      assertEquals("train/" + s.chunk() / ChunkPlan.CHUNKS_PER_GROUP, s.group());
      assertEquals(String.format("train_chunk_%05d.pt", s.chunk()), s.chunkName());
      trainGroups.add(s.group());
    }
    assertEquals(Set.of("train/0", "train/1"), trainGroups);
    assertEquals("val/0", plan.slot(21).group());
    assertEquals(
        List.of(
            "train_chunk_00000.pt",
            "train_chunk_00001.pt",
            "train_chunk_00002.pt",
            "train_chunk_00003.pt",
            "train_chunk_00004.pt",
            "train_chunk_00005.pt",
            "train_chunk_00006.pt",
            "train_chunk_00007.pt",
            "train_chunk_00008.pt",
            "train_chunk_00009.pt",
            "val_chunk_00000.pt",
            "val_chunk_00001.pt"),
        plan.chunkNames());
  }

  @Test
  void anIndexListedTwiceOrOutOfRangeIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ChunkPlan(List.of(new long[] {0, 1}, new long[] {1}, new long[0]), 50));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ChunkPlan(List.of(new long[] {0, 5}, new long[0], new long[0]), 50));
    ChunkPlan plan = new ChunkPlan(List.of(new long[] {0}, new long[0], new long[0]), 50);
    assertThrows(IllegalStateException.class, () -> plan.slot(1));
  }

  @Test
  void localRunsGroupMoreChunksPerKeyButKeepEightGroupsPerWorker() {
    assertEquals(8, ChunkPlan.chunksPerGroup(100_000, 0), "distributed runners: always 8");
    assertEquals(8, ChunkPlan.chunksPerGroup(82, 3), "few chunks: 8");
    assertEquals(32, ChunkPlan.chunksPerGroup(2_048, 3), "many chunks: up to 32");
    assertEquals(16, ChunkPlan.chunksPerGroup(400, 3));
    assertEquals(32, ChunkPlan.chunksPerGroup(1_000_000, 16));

    long[] train = new long[100];
    for (int i = 0; i < train.length; i++) {
      train[i] = i;
    }
    ChunkPlan plan = new ChunkPlan(List.of(train, new long[0], new long[0]), 1, 32);
    assertEquals("train/0", plan.slot(31).group());
    assertEquals("train/1", plan.slot(32).group());
    assertEquals("train/3", plan.slot(99).group());
    assertEquals(1, plan.recordsIn(plan.slot(99)));
  }
}
