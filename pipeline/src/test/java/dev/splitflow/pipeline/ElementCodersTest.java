package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splitflow.output.ChunkInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class ElementCodersTest {

  private static final RecordRef REF =
      new RecordRef(
          "val_chunk_00012.pt",
          49,
          5_000_000_123L,
          "gs://bucket/data/batch_ü7.pt",
          new byte[] {1, -1});
  private static final BatchSpec BATCH = new BatchSpec("/data/batch_10.pt", 1_234L, 256L);
  private static final ChunkInfo CHUNK =
      new ChunkInfo("val_chunk_00012.pt", "val", 12, 50, 13_107_712L, "AAAAAA==", "ab".repeat(32));

  @Test
  void recordRefsSurviveEncodingOneAfterAnother() throws IOException {
    RecordRef empty = new RecordRef("", 0, 0, "", new byte[0]);
    RecordRef[] back = twoInOneStream(ElementCoders.RecordRefCoder.of(), REF, empty);
    assertSame(REF, back[0]);
    assertSame(empty, back[1]);
  }

  @Test
  void batchSpecsAndChunkInfosSurviveEncodingOneAfterAnother() throws IOException {
    BatchSpec other = new BatchSpec("b", Long.MAX_VALUE, 0);
    assertArrayEquals(
        new BatchSpec[] {BATCH, other},
        twoInOneStream(ElementCoders.BatchSpecCoder.of(), BATCH, other));
    ChunkInfo other2 = new ChunkInfo("train_chunk_00000.pt", "train", 0, 1, 0, "x", "y");
    assertArrayEquals(
        new ChunkInfo[] {CHUNK, other2},
        twoInOneStream(ElementCoders.ChunkInfoCoder.of(), CHUNK, other2));
  }

  @Test
  void encodingsAreDeterministicAndSmall() throws Exception {
    byte[] a = CoderUtils.encodeToByteArray(ElementCoders.RecordRefCoder.of(), REF);
    byte[] b =
        CoderUtils.encodeToByteArray(
            ElementCoders.RecordRefCoder.of(),
            new RecordRef(
                REF.chunk(),
                REF.position(),
                REF.globalIndex(),
                REF.batch(),
                REF.encoded().clone()));
    assertArrayEquals(a, b);
    // Fields only: 1 + 18 (chunk) + 1 (position) + 5 (index) + 1 + 29 (path, UTF-8) + 1 + 2.
    assertEquals(58, a.length);
    ElementCoders.RecordRefCoder.of().verifyDeterministic();
    ElementCoders.BatchSpecCoder.of().verifyDeterministic();
    ElementCoders.ChunkInfoCoder.of().verifyDeterministic();
  }

  @Test
  void aTruncatedEncodingIsAnError() throws Exception {
    byte[] full = CoderUtils.encodeToByteArray(ElementCoders.ChunkInfoCoder.of(), CHUNK);
    byte[] cut = Arrays.copyOf(full, full.length - 3);
    assertThrows(
        CoderException.class,
        () -> ElementCoders.ChunkInfoCoder.of().decode(new ByteArrayInputStream(cut)));
  }

  @Test
  void codersSerializeForDataflow() {
    // Dataflow ships coders in the job graph: they must survive Java serialization.
    SerializableUtils.ensureSerializable(ElementCoders.RecordRefCoder.of());
    SerializableUtils.ensureSerializable(ElementCoders.BatchSpecCoder.of());
    SerializableUtils.ensureSerializable(ElementCoders.ChunkInfoCoder.of());
  }

  private static void assertSame(RecordRef want, RecordRef got) {
    assertEquals(want.chunk(), got.chunk());
    assertEquals(want.position(), got.position());
    assertEquals(want.globalIndex(), got.globalIndex());
    assertEquals(want.batch(), got.batch());
    assertArrayEquals(want.encoded(), got.encoded());
  }

  @SuppressWarnings("unchecked")
  private static <T> T[] twoInOneStream(Coder<T> coder, T first, T second) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    coder.encode(first, out);
    coder.encode(second, out);
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    T[] back = (T[]) java.lang.reflect.Array.newInstance(first.getClass(), 2);
    back[0] = coder.decode(in);
    back[1] = coder.decode(in);
    assertEquals(0, in.available(), "bytes left after decoding both");
    return back;
  }
}
