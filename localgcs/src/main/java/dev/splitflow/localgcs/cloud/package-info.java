/**
 * {@code ./splitflow local-cloud}: the whole event-driven system on one machine, wired as Terraform
 * wires it in the cloud: the Pub/Sub emulator, the local Cloud Storage service with its
 * notifications, push subscriptions relayed to both functions in the Functions Framework invoker.
 *
 * <p>It runs the complete flow marker → launch → pipeline → chunks + manifest → verify → summary
 * locally, and prints each summary as it arrives.
 */
package dev.splitflow.localgcs.cloud;
