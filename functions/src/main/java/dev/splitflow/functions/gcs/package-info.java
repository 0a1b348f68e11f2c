/**
 * Cloud Storage as the functions use it: calls whose failures say what was being done and whether
 * to retry, a bucket prefix as an {@code ObjectStore}, ranged reads of pinned generations, and the
 * client a deployed function builds.
 *
 * <p>Used by the <b>launch</b> (marker, batch files, indices) and the <b>verify</b> (manifest and
 * chunk metadata) steps of the flow marker → launch → pipeline → chunks + manifest → verify →
 * summary.
 */
package dev.splitflow.functions.gcs;
