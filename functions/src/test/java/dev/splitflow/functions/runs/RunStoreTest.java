package dev.splitflow.functions.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.splitflow.functions.testing.TestGcs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RunStoreTest {
  private final Storage storage = TestGcs.create();
  private final RunStore store = new RunStore(storage, "data", "_splitflow/runs/");
  private final Instant t = Instant.parse("2026-11-26T00:00:00Z");

  private RunState state(String runId) {
    return new RunState(
        runId,
        "data",
        "cxr/_BATCHES_COMPLETE",
        7,
        "cxr/",
        "cxr/split/",
        RunState.Status.CLAIMED,
        t.plusSeconds(600),
        "splitflow-cxr-abc",
        null,
        null,
        null,
        null,
        null,
        null,
        t,
        null,
        t);
  }

  @Test
  void createIsCreateIfAbsent() throws Exception {
    assertTrue(store.create(state("sf-1")).isPresent());
    assertEquals(Optional.empty(), store.create(state("sf-1")));
    RunStore.Versioned v = store.get("sf-1").orElseThrow();
    assertEquals(state("sf-1"), v.state());
  }

  @Test
  void replaceNeedsTheGenerationItRead() throws Exception {
    RunStore.Versioned v = store.create(state("sf-2")).orElseThrow();
    RunStore.Versioned launched =
        store.replace(v, v.state().launched("job-1", "there", t)).orElseThrow();
    assertEquals(RunState.Status.LAUNCHED, store.get("sf-2").orElseThrow().state().status());
    // A delivery still holding the first version loses.
    assertEquals(Optional.empty(), store.replace(v, v.state().failed("x", "y", t)));
    assertEquals("job-1", store.get("sf-2").orElseThrow().state().jobId());
    assertTrue(
        store
            .replace(launched, launched.state().withStatus(RunState.Status.SUCCEEDED, t))
            .isPresent());
  }

  @Test
  void ofTwentyConcurrentCreatesExactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add(
          pool.submit(
              () -> {
                go.await();
                return store.create(state("sf-3")).isPresent();
              }));
    }
    go.countDown();
    int wins = 0;
    for (Future<Boolean> f : results) {
      wins += f.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, wins);
  }

  @Test
  void aRunStateWithAKeyGivenTwiceOrTrailingContentIsUnreadable() throws Exception {
    store.create(state("sf-strict")).orElseThrow();
    String good =
        new String(
            storage.readAllBytes(BlobId.of("data", store.objectName("sf-strict"))),
            StandardCharsets.UTF_8);
    for (String bad :
        List.of(
            good.replaceFirst("\\{", "{\"status\": \"FAILED\","),
            good + "{\"status\": \"FAILED\"}")) {
      storage.create(
          BlobInfo.newBuilder(BlobId.of("data", store.objectName("sf-strict"))).build(),
          bad.getBytes(StandardCharsets.UTF_8));
      IOException e = assertThrows(IOException.class, () -> store.get("sf-strict"));
      assertTrue(e.getMessage().contains("unreadable run state"), e.getMessage());
    }
  }
}
