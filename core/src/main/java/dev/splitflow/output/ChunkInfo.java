package dev.splitflow.output;

import java.io.Serializable;

/**
 * One written chunk file as the manifest lists it: checksums as Cloud Storage reports them (CRC32C,
 * base64 of the big-endian value) plus SHA-256 (hex) for tools that want a strong hash.
 */
public record ChunkInfo(
    String name, String split, int number, int records, long bytes, String crc32c, String sha256)
    implements Serializable {}
