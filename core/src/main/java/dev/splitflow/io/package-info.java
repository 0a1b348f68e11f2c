/**
 * Byte-channel helpers for the {@code .pt} writer: a channel that keeps none of the bytes written
 * to it, so a chunk can be remade for its checksums alone. The channel that counts the bytes and
 * read calls made through a reader ({@code CountingChannel}, how opening a file is measured) is
 * test support and lives in core's test jar, in this package.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary it serves the
 * <b>pipeline</b>'s chunk writer and the <b>verify</b> step's deep check.
 */
package dev.splitflow.io;
