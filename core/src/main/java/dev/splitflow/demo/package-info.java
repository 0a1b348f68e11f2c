/**
 * Synthetic batch files shaped like the users' (chest-X-ray-like records with float16 images as
 * views into shared storages), for the demo command, the benchmarks and the tests.
 *
 * <p>It stands before the flow marker → launch → pipeline → chunks + manifest → verify → summary:
 * it makes the input a marker announces.
 */
package dev.splitflow.demo;
