/**
 * The one JSON style: {@code Json}, the configured mapper every JSON reader and writer in core,
 * pipeline and functions uses (strict reading, the files' pretty printer), and {@code JsonStrings},
 * the one string escaper of the hand-written JSON (the indices file's Python-identical text and
 * {@code ./splitflow inspect}'s ASCII-only output).
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary this serves
 * every step: marker options, indices, manifest, run state and summary are all read and written
 * here.
 */
package dev.splitflow.json;
