package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splitflow.output.ChunkInfo;
import dev.splitflow.split.Split;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class ElementCodersTest {

  private static final RecordRefs REFS =
      new RecordRefs(
          "gs://bucket/data/batch_ü7.pt",
          new long[] {5_000_000_123L, 7},
          new int[] {2, 3},
          new byte[] {1, -1, 5});
  private static final BatchSpec BATCH = new BatchSpec("/data/batch_10.pt", 1_234L, 256L);
  private static final ChunkInfo CHUNK =
      new ChunkInfo(
          "val_chunk_00012.pt", Split.VAL, 12, 50, 13_107_712L, "AAAAAA==", "ab".repeat(32));

  @Test
  void recordRefsSurviveEncodingOneAfterAnother() throws IOException {
    RecordRefs empty = new RecordRefs("", new long[0], new int[0], new byte[0]);
    RecordRefs[] back = twoInOneStream(ElementCoders.RecordRefsCoder.of(), REFS, empty);
    assertSame(REFS, back[0]);
    assertSame(empty, back[1]);
  }

  @Test
  void recordEndsThatDoNotFitTheBytesAreACoderError() throws Exception {
    RecordRefs refs = new RecordRefs("b", new long[] {1, 2}, new int[] {1, 2}, new byte[] {1, 2});
    byte[] good = CoderUtils.encodeToByteArray(ElementCoders.RecordRefsCoder.of(), refs);
    // Layout: 1 + 1 (path), 1 (count), 1 + 1 (indices), 1 + 1 (ends), 1 + 2 (bytes).
    byte[] backwards = good.clone();
    backwards[5] = 3; // the first record would end after the second
    assertThrows(
        CoderException.class,
        () -> CoderUtils.decodeFromByteArray(ElementCoders.RecordRefsCoder.of(), backwards));
    byte[] beyond = good.clone();
    beyond[6] = 9; // past the 2 encoded bytes
    assertThrows(
        CoderException.class,
        () -> CoderUtils.decodeFromByteArray(ElementCoders.RecordRefsCoder.of(), beyond));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RecordRefs("b", new long[] {1}, new int[0], new byte[0]));
  }

  @Test
  void batchSpecsAndChunkInfosSurviveEncodingOneAfterAnother() throws IOException {
    BatchSpec other = new BatchSpec("b", Long.MAX_VALUE, 0);
    assertArrayEquals(
        new BatchSpec[] {BATCH, other},
        twoInOneStream(ElementCoders.BatchSpecCoder.of(), BATCH, other));
    ChunkInfo other2 = new ChunkInfo("train_chunk_00000.pt", Split.TRAIN, 0, 1, 0, "x", "y");
    assertArrayEquals(
        new ChunkInfo[] {CHUNK, other2},
        twoInOneStream(ElementCoders.ChunkInfoCoder.of(), CHUNK, other2));
  }

  @Test
  void encodingsAreDeterministicAndSmall() throws Exception {
    byte[] a = CoderUtils.encodeToByteArray(ElementCoders.RecordRefsCoder.of(), REFS);
    byte[] b =
        CoderUtils.encodeToByteArray(
            ElementCoders.RecordRefsCoder.of(),
            new RecordRefs(
                REFS.batch(),
                REFS.globalIndices().clone(),
                REFS.ends().clone(),
                REFS.encoded().clone()));
    assertArrayEquals(a, b);
    // Fields only: 1 + 29 (path, UTF-8), 1 (count), 5 + 1 (indices), 1 + 1 (ends), 1 + 3 (bytes).
    assertEquals(43, a.length);
    ElementCoders.RecordRefsCoder.of().verifyDeterministic();
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
    SerializableUtils.ensureSerializable(ElementCoders.RecordRefsCoder.of());
    SerializableUtils.ensureSerializable(ElementCoders.BatchSpecCoder.of());
    SerializableUtils.ensureSerializable(ElementCoders.ChunkInfoCoder.of());
  }

  private static void assertSame(RecordRefs want, RecordRefs got) {
    assertEquals(want.batch(), got.batch());
    assertArrayEquals(want.globalIndices(), got.globalIndices());
    assertArrayEquals(want.ends(), got.ends());
    assertArrayEquals(want.encoded(), got.encoded());
  }

  @SuppressWarnings("unchecked")
  private static <T> T[] twoInOneStream(Coder<T> coder, T first, T second) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    coder.encode(first, out);
    coder.encode(second, out);
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    T[] back = (T[]) Array.newInstance(first.getClass(), 2);
    back[0] = coder.decode(in);
    back[1] = coder.decode(in);
    assertEquals(0, in.available(), "bytes left after decoding both");
    return back;
  }
}
