package dev.splitflow.pipeline;

import java.io.IOException;
import java.util.function.Supplier;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;

/**
 * A running split that releases its output claim when it ends without success, as seen by whoever
 * waits for it (the manifest stage releases it on success). A runner nobody waits on (Dataflow,
 * launched from a Flex Template) leaves a failed job's claim behind: docs/operations.md says how to
 * tell it is stale.
 */
final class ClaimReleasingResult implements PipelineResult {
  private final PipelineResult delegate;
  private final OutputClaim claim;
  private final PipelineOptions options;

  ClaimReleasingResult(PipelineResult delegate, OutputClaim claim, PipelineOptions options) {
    this.delegate = delegate;
    this.claim = claim;
    this.options = options;
  }

  @Override
  public State getState() {
    return afterwards(delegate.getState());
  }

  @Override
  public State cancel() throws IOException {
    return afterwards(delegate.cancel());
  }

  @Override
  public State waitUntilFinish(Duration duration) {
    return watch(() -> delegate.waitUntilFinish(duration));
  }

  @Override
  public State waitUntilFinish() {
    return watch(delegate::waitUntilFinish);
  }

  @Override
  public MetricResults metrics() {
    return delegate.metrics();
  }

  private State watch(Supplier<State> wait) {
    try {
      return afterwards(wait.get());
    } catch (RuntimeException | Error e) {
      SplitPipeline.releaseQuietly(claim, options, e);
      throw e;
    }
  }

  private State afterwards(State state) {
    if (state != null && state.isTerminal() && state != State.DONE) {
      RuntimeException failure = new RuntimeException("releasing the claim");
      SplitPipeline.releaseQuietly(claim, options, failure);
    }
    return state;
  }
}
