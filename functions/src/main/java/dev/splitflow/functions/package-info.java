/**
 * The two Cloud Functions and what both share: {@code LaunchSplitFunction} (marker in, split job
 * out) and {@code VerifySplitFunction} (manifest or failed job in, summary out).
 *
 * <p>They are the <b>launch</b> and the <b>verify → summary</b> ends of the flow marker → launch →
 * pipeline → chunks + manifest → verify → summary; the subpackages hold their parts.
 */
package dev.splitflow.functions;
