package dev.splitflow.functions.runs;

import dev.splitflow.functions.log.Log;
import dev.splitflow.functions.summary.Summary;
import dev.splitflow.functions.summary.SummaryPublisher;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Publishes a run's one summary. The delivery that marks the summary as being published (a
 * compare-and-set on the run state) publishes it and then marks it published; concurrent deliveries
 * lose the compare-and-set and stop. If publishing fails the mark is released and the caller
 * throws, so the platform's redelivery publishes it.
 */
public final class SummaryOnce {
  /** How long a publishing delivery owns the summary; publishing takes seconds. */
  static final Duration LEASE = Duration.ofSeconds(120);

  private final RunStore store;
  private final SummaryPublisher publisher;
  private final Clock clock;
  private final Log log;

  public SummaryOnce(RunStore store, SummaryPublisher publisher, Clock clock, Log log) {
    this.store = store;
    this.publisher = publisher;
    this.clock = clock;
    this.log = log;
  }

  /**
   * Publishes {@code summary} unless the run already has one (or another delivery is publishing
   * it). {@code v} is the run state with the outcome already recorded.
   *
   * @return the state after publishing, or empty when another delivery has it
   */
  public Optional<RunStore.Versioned> publish(RunStore.Versioned v, Summary summary)
      throws IOException {
    RunState.SummaryState s = v.state().summary();
    Instant now = clock.instant();
    if (s != null && (s.published() || (s.lease() != null && s.lease().isAfter(now)))) {
      log.info(
          v.state().runId(),
          "summary "
              + s.status()
              + (s.published() ? " already published" : " being published")
              + "; nothing to do");
      return Optional.empty();
    }
    Optional<RunStore.Versioned> mine =
        store.replace(
            v,
            v.state()
                .withSummary(
                    new RunState.SummaryState(summary.status(), false, now.plus(LEASE), null),
                    now));
    if (mine.isEmpty()) {
      log.info(v.state().runId(), "another delivery is publishing the summary");
      return Optional.empty();
    }
    String id;
    try {
      id = publisher.publish(summary.toJson(), summary.attributes());
    } catch (IOException e) {
      // Let the redelivery publish without waiting for the lease to run out.
      store.replace(mine.get(), mine.get().state().withSummary(null, clock.instant()));
      throw e;
    }
    log.info(
        v.state().runId(),
        "published "
            + summary.status()
            + " summary (message "
            + id
            + ")"
            + (summary.reason().isEmpty() ? "" : ": " + summary.reason()));
    return store.replace(
        mine.get(),
        mine.get()
            .state()
            .withSummary(
                new RunState.SummaryState(summary.status(), true, null, id), clock.instant()));
  }
}
