package dev.splitflow.output;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.splitflow.split.Split;
import java.io.Serializable;

/**
 * One written chunk file as the manifest lists it: checksums as Cloud Storage reports them (CRC32C,
 * base64 of the big-endian value) plus SHA-256 (hex) for tools that want a strong hash. In JSON the
 * split is its lower-case name.
 */
@JsonPropertyOrder({"name", "split", "number", "records", "bytes", "crc32c", "sha256"})
public record ChunkInfo(
    String name, Split split, int number, int records, long bytes, String crc32c, String sha256)
    implements Serializable {}
