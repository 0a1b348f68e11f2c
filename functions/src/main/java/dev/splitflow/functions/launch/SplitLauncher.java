package dev.splitflow.functions.launch;

/**
 * Starts the split job of one run. Dataflow in the cloud ({@link DataflowLauncher}); the pipeline
 * in a local process for local runs and end-to-end tests ({@link LocalLauncher}).
 *
 * <p>Implementations must be idempotent by job name: launching a name that is already active
 * returns that job with {@link LaunchedJob#alreadyActive()} set instead of starting a second one.
 */
public interface SplitLauncher {

  LaunchedJob launch(LaunchRequest request) throws LaunchException;
}
