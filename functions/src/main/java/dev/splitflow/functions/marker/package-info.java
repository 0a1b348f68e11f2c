/**
 * The marker's JSON content: the options of one run, checked strictly and resolved against the
 * deployment's defaults.
 *
 * <p>The first step, <b>marker</b>, of the flow marker → launch → pipeline → chunks + manifest →
 * verify → summary.
 */
package dev.splitflow.functions.marker;
