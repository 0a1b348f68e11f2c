/**
 * marker -> <b>launch</b>: the launch function's indices step, between reading the marker and
 * launching the pipeline; it reuses, computes or leaves to the pipeline the run's stratification
 * indices.
 */
package dev.splitflow.functions.indices;
