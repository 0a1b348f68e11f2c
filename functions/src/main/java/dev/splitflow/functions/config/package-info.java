/**
 * The functions' deployment settings, read from a map of environment variables and validated at
 * start-up, every problem named at once; {@code Layout} says where batch folders, outputs and run
 * state live in the data bucket.
 *
 * <p>Read before any step of the flow marker → launch → pipeline → chunks + manifest → verify →
 * summary runs in the cloud: by the <b>launch</b> function and the <b>verify</b> function.
 */
package dev.splitflow.functions.config;
