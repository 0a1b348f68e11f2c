package dev.splitflow.pipeline;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.split.Split;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;
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

  /**
   * {@link RecordRefs}: batch path, record count, then per record its global index and where its
   * encoding ends, then the encodings as one byte string.
   */
  static final class RecordRefsCoder extends AtomicCoder<RecordRefs> {
    private static final RecordRefsCoder INSTANCE = new RecordRefsCoder();

    static RecordRefsCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(RecordRefs r, OutputStream out) throws IOException {
      STRING.encode(r.batch(), out);
      INT.encode(r.size(), out);
      for (long g : r.globalIndices()) {
        LONG.encode(g, out);
      }
      for (int e : r.ends()) {
        INT.encode(e, out);
      }
      BYTES.encode(r.encoded(), out);
    }

    @Override
    public RecordRefs decode(InputStream in) throws IOException {
      String batch = STRING.decode(in);
      int n = INT.decode(in);
      if (n < 0) {
        throw new CoderException("a negative record count: " + n);
      }
      long[] globals = new long[n];
      for (int i = 0; i < n; i++) {
        globals[i] = LONG.decode(in);
      }
      int[] ends = new int[n];
      for (int i = 0; i < n; i++) {
        ends[i] = INT.decode(in);
      }
      byte[] encoded = BYTES.decode(in);
      try {
        return new RecordRefs(batch, globals, ends, encoded);
      } catch (IllegalArgumentException e) {
        throw new CoderException(e.getMessage());
      }
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
      STRING.encode(c.split().jsonName(), out);
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
          Split.fromJsonName(STRING.decode(in)),
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
