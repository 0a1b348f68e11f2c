/**
 * The Beam split pipeline: the indices step, reading record references from batch files, the
 * shuffle by chunk group, writing chunks, and writing the manifest last; the output claim that
 * keeps two runs out of one folder; the deep verify that plans again from the inputs.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary this is the
 * <b>pipeline</b> and what it writes, <b>chunks + manifest</b>, on the DirectRunner locally and on
 * Dataflow from the Flex Template.
 */
package dev.splitflow.pipeline;
