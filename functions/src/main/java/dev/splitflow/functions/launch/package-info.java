/**
 * Starting the split job of a run: the request, Dataflow Flex Template launches through the REST
 * API (idempotent by job name), and the local launcher that runs the pipeline's jar in a child
 * process for local runs and end-to-end tests.
 *
 * <p>The <b>launch → pipeline</b> arrow of the flow marker → launch → pipeline → chunks + manifest
 * → verify → summary.
 */
package dev.splitflow.functions.launch;
