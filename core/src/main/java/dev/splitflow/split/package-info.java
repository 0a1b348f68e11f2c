/**
 * The split itself: which record goes to train, val or test and in what order ({@code Planner},
 * {@code Plan}), its configuration, the stratification indices file that records the plan and the
 * batch files it was made from, and dataset versions that extend a previous plan.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary this is computed
 * at <b>launch</b> (or by the <b>pipeline</b>'s indices step when the launcher leaves it), followed
 * by the pipeline when it places records in chunks, and re-checked at <b>verify</b>. No cloud
 * dependencies.
 */
package dev.splitflow.split;
