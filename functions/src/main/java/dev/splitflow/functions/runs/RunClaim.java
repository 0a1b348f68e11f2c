package dev.splitflow.functions.runs;

import dev.splitflow.functions.log.Log;
import dev.splitflow.functions.summary.Summary;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * A delivery's claim on its run, once {@link RunClaims#claim} has won it: every change to the run
 * state goes through here as a compare-and-set on the generation last written, so a delivery that
 * outlived its lease notices ({@link Lost}) instead of overwriting the one that took over.
 */
public final class RunClaim {
  private final RunStore runs;
  private final SummaryOnce summaries;
  private final Function<RunState, Summary> failedSummary;
  private final Clock clock;
  private final Log log;
  private RunStore.Versioned current;

  RunClaim(
      RunStore runs,
      SummaryOnce summaries,
      Function<RunState, Summary> failedSummary,
      Clock clock,
      Log log,
      RunStore.Versioned claimed) {
    this.runs = runs;
    this.summaries = summaries;
    this.failedSummary = failedSummary;
    this.clock = clock;
    this.log = log;
    this.current = claimed;
  }

  /** The run state as this delivery last wrote it. */
  public RunState state() {
    return current.state();
  }

  /**
   * Records {@code next}.
   *
   * @throws Lost another delivery took the run over meanwhile
   */
  public void update(RunState next) throws IOException {
    current =
        runs.replace(current, next)
            .orElseThrow(
                () ->
                    new Lost(
                        "run "
                            + next.runId()
                            + " was taken over by another delivery (this one"
                            + " outlived its lease); stopping without launching"));
  }

  /** Ends the run FAILED at {@code stage} and publishes its one summary. */
  public void fail(String stage, String reason) throws IOException {
    log.error(state().runId(), "run FAILED at " + stage + ": " + reason);
    Optional<RunStore.Versioned> f =
        runs.replace(current, state().failed(stage, reason, clock.instant()));
    if (f.isEmpty()) {
      log.warn(state().runId(), "run state changed meanwhile; not publishing");
      return;
    }
    current = f.get();
    summaries.publish(f.get(), failedSummary.apply(f.get().state()));
  }

  /** Before throwing for a retry: let the redelivery take over at once, and keep the error. */
  public void release(Exception e) {
    try {
      runs.replace(current, state().released(e.getMessage(), clock.instant()));
    } catch (IOException | RuntimeException ignored) {
      // The lease runs out by itself.
    }
    log.warn(state().runId(), "will retry: " + e.getMessage());
  }

  /** This delivery lost its claim (it outlived its lease); it stops without side effects. */
  public static final class Lost extends IOException {
    Lost(String message) {
      super(message);
    }
  }
}
