/**
 * The one message a run ends with and where it goes: the summary value and its Pub/Sub publisher.
 *
 * <p>The last step, <b>summary</b>, of the flow marker → launch → pipeline → chunks + manifest →
 * verify → summary.
 */
package dev.splitflow.functions.summary;
