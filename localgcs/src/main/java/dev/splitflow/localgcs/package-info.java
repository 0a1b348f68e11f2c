/**
 * A local Cloud Storage JSON API service over a folder on disk: the requests google-cloud-storage,
 * Beam's GcsFileSystem and {@code gcloud storage} send, generation preconditions, bucket
 * notifications to the Pub/Sub emulator, and fault injection for tests.
 *
 * <p>It stands in for the bucket in every step of the flow marker → launch → pipeline → chunks +
 * manifest → verify → summary when no Google server can be reached: the marker lands in it, the
 * pipeline reads and writes through it, the verifier reads from it.
 */
package dev.splitflow.localgcs;
