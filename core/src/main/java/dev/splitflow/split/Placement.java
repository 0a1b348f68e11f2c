package dev.splitflow.split;

/**
 * Where one record goes: its split, the chunk file within the split, and its place in the chunk.
 *
 * @param split the split
 * @param chunk the chunk number within the split, from 0
 * @param offset the record's position within the chunk, from 0
 */
public record Placement(Split split, int chunk, int offset) {}
