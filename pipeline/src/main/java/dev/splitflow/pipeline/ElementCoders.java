package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Coders for what the pipeline moves between stages. Java serialization ({@code SerializableCoder})
 * wrote a class descriptor with every record reference, and on a 1 GiB run its reflection and the
 * JIT work it caused cost more CPU than checksumming the data; these write only the fields, in a
 * fixed order, so the encoding is also deterministic.
 */
final class ElementCoders {
  private ElementCoders() {}

  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarIntCoder INT = VarIntCoder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final ByteArrayCoder BYTES = ByteArrayCoder.of();

  /** {@link RecordRef}: chunk name, position, global index, batch path, encoded record. */
  static final class RecordRefCoder extends AtomicCoder<RecordRef> {
    private static final RecordRefCoder INSTANCE = new RecordRefCoder();

    static RecordRefCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(RecordRef r, OutputStream out) throws IOException {
      STRING.encode(r.chunk(), out);
      INT.encode(r.position(), out);
      LONG.encode(r.globalIndex(), out);
      STRING.encode(r.batch(), out);
      BYTES.encode(r.encoded(), out);
    }

    @Override
    public RecordRef decode(InputStream in) throws IOException {
      return new RecordRef(
          STRING.decode(in), INT.decode(in), LONG.decode(in), STRING.decode(in), BYTES.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  /** {@link BatchSpec}: path, first global index, record count. */
  static final class BatchSpecCoder extends AtomicCoder<BatchSpec> {
    private static final BatchSpecCoder INSTANCE = new BatchSpecCoder();

    static BatchSpecCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(BatchSpec b, OutputStream out) throws IOException {
      STRING.encode(b.path(), out);
      LONG.encode(b.firstIndex(), out);
      LONG.encode(b.records(), out);
    }

    @Override
    public BatchSpec decode(InputStream in) throws IOException {
      return new BatchSpec(STRING.decode(in), LONG.decode(in), LONG.decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }

  /** {@link ChunkInfo}: every field, in declaration order. */
  static final class ChunkInfoCoder extends AtomicCoder<ChunkInfo> {
    private static final ChunkInfoCoder INSTANCE = new ChunkInfoCoder();

    static ChunkInfoCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ChunkInfo c, OutputStream out) throws IOException {
      STRING.encode(c.name(), out);
      STRING.encode(c.split(), out);
      INT.encode(c.number(), out);
      INT.encode(c.records(), out);
      LONG.encode(c.bytes(), out);
      STRING.encode(c.crc32c(), out);
      STRING.encode(c.sha256(), out);
    }

    @Override
    public ChunkInfo decode(InputStream in) throws IOException {
      return new ChunkInfo(
          STRING.decode(in),
          STRING.decode(in),
          INT.decode(in),
          INT.decode(in),
          LONG.decode(in),
          STRING.decode(in),
          STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
