/**
 * One run's identity and state across deliveries: run ids and job names derived from the marker,
 * the run-state object written with compare-and-set, and the once-only summary publication.
 *
 * <p>It spans the flow marker → launch → pipeline → chunks + manifest → verify → summary: the
 * <b>launch</b> claims the run, the <b>verify</b> finishes it, and the <b>summary</b> is published
 * exactly once.
 */
package dev.splitflow.functions.runs;
