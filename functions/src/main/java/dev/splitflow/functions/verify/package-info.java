/**
 * The verify function's optional deep check: chunks made again from the batch files and compared
 * with what the manifest lists, within the event's time limit.
 *
 * <p>Part of the <b>verify</b> step of the flow marker → launch → pipeline → chunks + manifest →
 * verify → summary.
 */
package dev.splitflow.functions.verify;
