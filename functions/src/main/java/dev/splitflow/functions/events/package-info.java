/**
 * The events that start the functions, decoded from either shape they arrive in: a Cloud Storage
 * object finalize (the marker, the manifest) and a Dataflow job status change.
 *
 * <p>They are the arrows into <b>launch</b> (the marker) and into <b>verify</b> (the manifest, or a
 * failed job) in the flow marker → launch → pipeline → chunks + manifest → verify → summary.
 */
package dev.splitflow.functions.events;
