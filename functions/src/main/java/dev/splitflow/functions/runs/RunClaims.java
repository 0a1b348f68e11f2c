package dev.splitflow.functions.runs;

import dev.splitflow.functions.log.Log;
import dev.splitflow.functions.summary.Summary;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Exactly one delivery per marker generation gets to launch: claims are leased run states, so a
 * duplicate delivery waits for the claimer or stops, and one whose claimer crashed takes over once
 * the lease has run out.
 */
public final class RunClaims {
  private final RunStore runs;
  private final SummaryOnce summaries;
  private final Function<RunState, Summary> failedSummary;
  private final Clock clock;
  private final Log log;
  private final Duration lease;
  private final Duration duplicateWait;

  /**
   * @param failedSummary the FAILED summary of a run state that records a failure
   * @param lease how long a claiming delivery owns a run
   * @param duplicateWait how long a duplicate delivery waits for the claimer to finish
   */
  public RunClaims(
      RunStore runs,
      SummaryOnce summaries,
      Function<RunState, Summary> failedSummary,
      Clock clock,
      Log log,
      Duration lease,
      Duration duplicateWait) {
    this.runs = runs;
    this.summaries = summaries;
    this.failedSummary = failedSummary;
    this.clock = clock;
    this.log = log;
    this.lease = lease;
    this.duplicateWait = duplicateWait;
  }

  /**
   * Claims the run {@code initial} describes for this delivery, or decides there is nothing to do
   * (another delivery has it, or it is over). Throws {@link Busy} when another delivery holds a
   * live claim that does not finish within the duplicate wait: if that delivery crashed, a retry
   * takes over once its lease runs out.
   *
   * @param initial the run state to create, CLAIMED; its lease is set from its claim time
   * @param marker the marker's {@code gs://} URI, for the log
   * @param eventId the event's id, for the log
   */
  public Optional<RunClaim> claim(RunState initial, String marker, String eventId)
      throws IOException, InterruptedException {
    Optional<RunStore.Versioned> won = claimState(initial, marker, eventId);
    return won.map(v -> new RunClaim(runs, summaries, failedSummary, clock, log, v));
  }

  private Optional<RunStore.Versioned> claimState(RunState initial, String marker, String eventId)
      throws IOException, InterruptedException {
    String runId = initial.runId();
    RunState leased = initial.toBuilder().lease(initial.claimedAt().plus(lease)).build();
    // Real time, not the clock: the wait is for another delivery to make progress.
    long waitUntil = System.nanoTime() + duplicateWait.toNanos();
    while (true) {
      Optional<RunStore.Versioned> created = runs.create(leased);
      if (created.isPresent()) {
        log.info(runId, "claimed run for " + marker + " (event " + eventId + ")");
        return created;
      }
      Optional<RunStore.Versioned> current = runs.get(runId);
      if (current.isEmpty()) {
        continue;
      }
      RunStore.Versioned v = current.get();
      RunState s = v.state();
      switch (s.status()) {
        case LAUNCHED, SUCCEEDED -> {
          log.info(
              runId,
              "duplicate delivery of "
                  + marker
                  + ": run already "
                  + s.status()
                  + (s.jobId() == null ? "" : " (job " + s.jobId() + ")")
                  + "; nothing to do");
          return Optional.empty();
        }
        case FAILED -> {
          // A delivery that failed after recording FAILED but before publishing left this.
          summaries.publish(v, failedSummary.apply(s));
          return Optional.empty();
        }
        case CLAIMED -> {
          Instant t = clock.instant();
          if (s.lease() == null || !s.lease().isAfter(t)) {
            Optional<RunStore.Versioned> taken = runs.replace(v, s.withLease(t.plus(lease), t));
            if (taken.isPresent()) {
              log.warn(
                  runId,
                  "took over run claimed at "
                      + s.claimedAt()
                      + " whose delivery did not finish (lease ran out at "
                      + s.lease()
                      + ")");
              return taken;
            }
            continue;
          }
          if (System.nanoTime() - waitUntil >= 0) {
            throw new Busy(
                "run "
                    + runId
                    + " is being launched by another delivery (claimed at "
                    + s.claimedAt()
                    + ", lease until "
                    + s.lease()
                    + "); retry later");
          }
          Thread.sleep(250);
        }
      }
    }
  }

  /**
   * An event too old to act on: a run it left CLAIMED ends FAILED (naming its last error) with its
   * summary; otherwise the event is only dropped.
   *
   * @param why why the event is given up, e.g. its age against the limit
   */
  public void giveUp(String runId, String why) throws IOException {
    Optional<RunStore.Versioned> v = runs.get(runId);
    if (v.isEmpty() || v.get().state().status() != RunState.Status.CLAIMED) {
      log.warn(runId, why + "; dropped");
      return;
    }
    RunState s = v.get().state();
    String reason =
        "gave up: "
            + why
            + (s.reason() == null ? "" : "; last error: " + s.reason())
            + ". Fix the cause, then write the marker again to start a new run.";
    Optional<RunStore.Versioned> f =
        runs.replace(v.get(), s.failed("launch", reason, clock.instant()));
    if (f.isPresent()) {
      summaries.publish(f.get(), failedSummary.apply(f.get().state()));
    }
  }

  /** Another delivery holds a live claim on the run past the duplicate wait: retry later. */
  public static final class Busy extends IOException {
    Busy(String message) {
      super(message);
    }
  }
}
