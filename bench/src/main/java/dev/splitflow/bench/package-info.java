/**
 * Benchmarks ({@code bench/run}) of the {@code .pt} reader and writer and of the chunk copy's
 * memory bound; their figures go in {@code docs/performance.md}.
 *
 * <p>They measure the <b>pipeline</b> step of the flow marker → launch → pipeline → chunks +
 * manifest → verify → summary (reading batch files, writing chunks) outside Beam.
 */
package dev.splitflow.bench;
