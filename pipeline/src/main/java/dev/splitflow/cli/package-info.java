/**
 * The {@code ./splitflow} command line: flag checking, the split, verify and inspect commands, and
 * one-line error messages.
 *
 * <p>Locally it runs the flow marker → launch → pipeline → chunks + manifest → verify without a
 * marker or a summary: the user's command stands in for the marker and launch, and {@code
 * ./splitflow verify} is the <b>verify</b> step.
 */
package dev.splitflow.cli;
