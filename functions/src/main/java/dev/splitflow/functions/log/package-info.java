/**
 * The functions' structured log: one JSON line per entry on stdout, which Cloud Logging reads as a
 * structured entry, and the filter that replaces the Functions Framework invoker's stack trace for
 * a request that is not an event with one line.
 *
 * <p>Used at the <b>launch</b> and <b>verify → summary</b> ends of the flow marker → launch →
 * pipeline → chunks + manifest → verify → summary, and by the run state that spans them.
 */
package dev.splitflow.functions.log;
