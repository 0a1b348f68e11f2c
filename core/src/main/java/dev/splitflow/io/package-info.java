/**
 * Byte-channel helpers that sit under the {@code .pt} reader: a channel that counts the bytes and
 * read calls made through it, which is how opening a file is measured.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary it serves the
 * <b>launch</b> and <b>pipeline</b> reads, the tests and the benchmarks that measure them.
 */
package dev.splitflow.io;
