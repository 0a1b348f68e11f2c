package dev.splitflow.pipeline;

/**
 * What the pipeline shuffles for one record: its chunk and place in it, its global index, its batch
 * file, and the record encoded with its tensors as references into that file ({@code RecordCodec}),
 * a few hundred bytes however large its images are.
 */
public record RecordRef(
    String chunk, int position, long globalIndex, String batch, byte[] encoded) {}
