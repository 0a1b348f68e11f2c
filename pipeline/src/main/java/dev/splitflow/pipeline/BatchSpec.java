package dev.splitflow.pipeline;

/** One batch file as the pipeline reads it: where, and the global index of its first record. */
public record BatchSpec(String path, long firstIndex, long records) {}
