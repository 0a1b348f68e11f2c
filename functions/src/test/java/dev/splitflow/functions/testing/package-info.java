/**
 * Test support for the functions: CloudEvents as Eventarc sends them, the real Pub/Sub emulator,
 * the local Cloud Storage service, a Dataflow REST stand-in, a clock tests move, and a publisher
 * that records summaries.
 *
 * <p>It lets the tests drive the cloud flow marker → launch → pipeline → chunks + manifest → verify
 * → summary on 127.0.0.1.
 */
package dev.splitflow.functions.testing;
