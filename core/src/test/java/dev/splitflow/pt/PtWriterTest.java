package dev.splitflow.pt;

import static dev.splitflow.pt.TestRecords.i;
import static dev.splitflow.pt.TestRecords.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtWriterTest {
  @TempDir Path tmp;

  private static List<PtValue> sinks(int n) {
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      records.add(TestRecords.kitchenSink(k));
    }
    return records;
  }

  @Test
  void anExpandedViewIsWrittenOverItsSpanNotElementByElement() throws IOException {
    // torch.save of row.expand(2**18, 4096): a 4 KB storage viewed as 1 GiB with stride (0, 1).
    // Gathered in C order it made a 1.1 GB chunk; kept strided it stays as small as the source.
    Path golden =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden/valid");
    for (String name : List.of("adv_stride0_expand.pt", "adv_stride0_2e40.pt")) {
      Path chunk = tmp.resolve("chunk_" + name);
      try (PtFile f = PtFile.open(golden.resolve(name))) {
        TestRecords.write(f.records(), chunk);
        try (PtFile back = PtFile.open(chunk)) {
          assertTrue(Files.size(chunk) < 16 * 1024, name + " chunk is too big");
          assertEquals(PtJson.toJson(f.root(), false), PtJson.toJson(back.root(), false), name);
          TensorValue t = (TensorValue) ((PtValue.DictValue) back.records().get(0)).values().get(0);
          assertEquals(0, t.stride()[0]);
        }
      }
    }
  }

  @Test
  void recordsViewingOneStorageWriteItOncePerChunk() throws IOException {
    // torch.save of 120 records that each view the same three storages (an expand() of one row,
    // overlapping windows of one signal, one tensor in every record): 9,408 bytes of storages.
    // Each record travels as its own encoding and is decoded on its own, as the split does, so
    // its storages are new objects per record; written view by view, 50 records took 422 KB.
    Path source =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden/valid/adv_shared_storage.pt");
    long sourceBytes;
    List<byte[]> encoded = new ArrayList<>();
    try (PtFile f = PtFile.open(source)) {
      sourceBytes = f.storages().stream().mapToLong(StorageRef::byteLength).sum();
      assertEquals(4096 + (2 * 120 + 1024) * 4 + 64 * 4, sourceBytes);
      for (PtValue r : f.records().subList(0, 50)) {
        encoded.add(RecordCodec.encode(r));
      }
    }
    Path chunk = tmp.resolve("train_chunk_00000.pt");
    try (FileChannel in = FileChannel.open(source);
        PtWriter w = PtWriter.create(chunk)) {
      RecordCodec.Decoder decoder = new RecordCodec.Decoder(in, source.toString());
      for (byte[] e : encoded) {
        w.plan(decoder.decode(e));
      }
      for (byte[] e : encoded) {
        w.append(decoder.decode(e));
      }
      w.close();
      // the row once, windows 0..49 of the signal (offsets 0..98, 1024 long), the mean once
      assertEquals(4096 + (98 + 1024) * 4 + 64 * 4, w.storageBytes());
      assertTrue(w.storageBytes() <= sourceBytes);
    }
    try (PtFile f = PtFile.open(source);
        PtFile back = PtFile.open(chunk)) {
      assertEquals(3, back.storages().size());
      assertEquals(
          PtJson.toJson(ListValue.of(f.records().subList(0, 50)), false),
          PtJson.toJson(back.root(), false));
      TensorValue window = (TensorValue) ((DictValue) back.records().get(7)).get("window");
      assertEquals(14, window.storageOffset());
    }
  }

  @Test
  void recordsViewingDisjointPartsOfAStorageAreWrittenAsWithoutAPlan() throws IOException {
    // records[i]['image'] = stacked[i]: each view's own elements are no more than the part they
    // cover together, so planning changes nothing (normal datasets keep their chunk bytes).
    Path source =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden/valid/views_stacked.pt");
    try (PtFile f = PtFile.open(source)) {
      byte[] plain = TestRecords.write(f.records(), "chunk");
      ByteArrayOutputStream planned = new ByteArrayOutputStream();
      try (PtWriter w = new PtWriter(Channels.newChannel(planned), "chunk")) {
        for (PtValue r : f.records()) {
          w.plan(r);
        }
        for (PtValue r : f.records()) {
          w.append(r);
        }
      }
      assertArrayEquals(plain, planned.toByteArray());
    }
  }

  @Test
  void aPlanComesBeforeTheFirstAppend() throws IOException {
    PtWriter w = new PtWriter(Channels.newChannel(OutputStream.nullOutputStream()), "c");
    w.append(TestRecords.kitchenSink(1));
    assertThrows(IllegalStateException.class, () -> w.plan(TestRecords.kitchenSink(2)));
    w.close();
  }

  @Test
  void recordsRoundTripValueForValue() throws IOException {
    List<PtValue> records = sinks(5);
    byte[] file = TestRecords.write(records, "chunk");
    try (PtFile back = TestRecords.open(file, "chunk.pt")) {
      assertEquals(PtFile.Format.ZIP, back.format());
      assertEquals(records.size(), back.records().size());
      for (int k = 0; k < records.size(); k++) {
        assertEquals(
            PtJson.toJson(records.get(k), false),
            PtJson.toJson(back.records().get(k), false),
            "record " + k);
      }
    }
  }

  @Test
  void sameRecordsGiveIdenticalBytes() throws IOException {
    assertArrayEquals(TestRecords.write(sinks(3), "c"), TestRecords.write(sinks(3), "c"));
  }

  @Test
  void moreThanOneBatchOfRecordsAndDictItems() throws IOException {
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < 2500; k++) {
      records.add(i(k));
    }
    Map<String, PtValue> wide = new LinkedHashMap<>();
    for (int k = 0; k < 1500; k++) {
      wide.put("k" + k, i(k));
    }
    records.add(DictValue.of(wide));
    try (PtFile back = TestRecords.open(TestRecords.write(records, "c"), "c.pt")) {
      assertEquals(2501, back.records().size());
      assertEquals(i(2499), back.records().get(2499));
      assertEquals(i(1499), ((DictValue) back.records().get(2500)).get("k1499"));
    }
  }

  @Test
  void emptyFileHoldsAnEmptyList() throws IOException {
    try (PtFile back = TestRecords.open(TestRecords.write(List.of(), "c"), "c.pt")) {
      assertEquals(List.of(), back.records());
    }
  }

  @Test
  void viewOfAStackedStorageWritesOnlyItsOwnElements() throws IOException {
    byte[] stack = TestRecords.randomBytes(new Random(1), 3 * 16 * 2);
    StorageRef shared = StorageRef.ofBytes(DType.FLOAT16, stack);
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      TensorValue view =
          new TensorValue(
              DType.FLOAT16, new long[] {4, 4}, new long[] {4, 1}, 16L * k, shared, false, false);
      records.add(DictValue.of(Map.of("image", view)));
    }
    try (PtFile back = TestRecords.open(TestRecords.write(records.subList(1, 2), "c"), "c.pt")) {
      TensorValue t = (TensorValue) ((DictValue) back.records().get(0)).get("image");
      assertEquals(16, t.storage().numel(), "only the 16 elements of the view are stored");
      assertEquals(0, t.storageOffset());
      byte[] expected = Arrays.copyOfRange(stack, 32, 64);
      assertEquals(sha(expected), PtJson.sha256(t));
    }
  }

  @Test
  void stridedViewsAreGatheredIntoCOrder() throws IOException {
    // base is 4x6 int32 holding 0..23; views as torch makes them.
    byte[] base = new byte[24 * 4];
    for (int k = 0; k < 24; k++) {
      ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).putInt(k * 4, k);
    }
    StorageRef s = StorageRef.ofBytes(DType.INT32, base);
    TensorValue transposed =
        new TensorValue(DType.INT32, new long[] {6, 4}, new long[] {1, 6}, 0, s, false, false);
    TensorValue column =
        new TensorValue(DType.INT32, new long[] {4}, new long[] {6}, 2, s, false, false);
    TensorValue block =
        new TensorValue(DType.INT32, new long[] {2, 3}, new long[] {6, 1}, 7, s, false, false);
    TensorValue expanded =
        new TensorValue(DType.INT32, new long[] {3, 2}, new long[] {0, 1}, 0, s, false, false);
    TensorValue scalar =
        new TensorValue(DType.INT32, new long[] {}, new long[] {}, 23, s, false, false);
    TensorValue empty =
        new TensorValue(DType.INT32, new long[] {0, 6}, new long[] {6, 1}, 12, s, false, false);
    List<PtValue> views = List.of(transposed, column, block, expanded, scalar, empty);
    int[][] expected = {
      {0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23},
      {2, 8, 14, 20},
      {7, 8, 9, 13, 14, 15},
      {0, 1},
      {23},
      {}
    };
    try (PtFile back = TestRecords.open(TestRecords.write(views, "c"), "c.pt")) {
      for (int k = 0; k < views.size(); k++) {
        TensorValue t = (TensorValue) back.records().get(k);
        assertArrayEquals(((TensorValue) views.get(k)).shape(), t.shape());
        TensorValue v = (TensorValue) views.get(k);
        // A view with fewer storage elements than elements keeps its strides over its span.
        boolean keepsStrides = v == expanded;
        assertArrayEquals(
            keepsStrides ? v.stride() : Shapes.contiguousStrides(t.shape()), t.stride());
        assertEquals(0, t.storageOffset());
        assertEquals(expected[k].length, t.storage().numel());
        if (!keepsStrides) {
          assertEquals(sha(ints(expected[k])), PtJson.sha256(t), "view " + k);
        }
        assertEquals(PtJson.sha256((TensorValue) views.get(k)), PtJson.sha256(t));
      }
    }
  }

  @Test
  void everyPayloadIsAlignedAndZipToolsAgreeOnCrcs() throws IOException {
    Path file = tmp.resolve("train_chunk_00000.pt");
    TestRecords.write(sinks(4), file);
    try (PtFile f = PtFile.open(file)) {
      assertEquals(4, f.records().size());
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      List<String> names = new ArrayList<>();
      for (ZipEntry e : Collections.list(zip.entries())) {
        names.add(e.getName());
        assertEquals(ZipEntry.STORED, e.getMethod());
        CRC32 crc = new CRC32();
        try (InputStream in = zip.getInputStream(e)) {
          crc.update(in.readAllBytes());
        }
        assertEquals(e.getCrc(), crc.getValue(), e.getName());
      }
      assertTrue(names.contains("train_chunk_00000/data.pkl"));
      assertTrue(names.contains("train_chunk_00000/version"));
      assertTrue(names.contains("train_chunk_00000/data/0"));
    }
    Source src = new Source(FileChannel.open(file), file.toString());
    ZipDirectory dir = ZipDirectory.read(src);
    for (int i = 0; i < dir.size(); i++) {
      ZipDirectory.Entry e = dir.entry(i);
      assertEquals(0, dir.payloadOffset(e) % 64, e.name + " payload offset");
    }
    src.channel.close();
  }

  @Test
  void sharedValuesStayShared() throws IOException {
    ListValue shared = ListValue.of(List.of(i(1), i(2)));
    TensorValue t = TensorValue.of(DType.UINT8, new long[] {2}, new byte[] {1, 2});
    PtValue record = DictValue.of(Map.of("a", shared, "b", shared, "t1", t, "t2", t));
    try (PtFile back = TestRecords.open(TestRecords.write(List.of(record), "c"), "c.pt")) {
      DictValue d = (DictValue) back.records().get(0);
      assertSame(d.get("a"), d.get("b"));
      assertSame(d.get("t1"), d.get("t2"));
      assertEquals(1, back.storages().size());
    }
  }

  @Test
  void numpyValuesBecomeTensorsOfTheSameDtypeAndShape() throws IOException {
    byte[] be = {0x3f, (byte) 0xc0, 0, 0, 0x40, 0x20, 0, 0}; // 1.5f, 2.5f big-endian
    NdArrayValue a = new NdArrayValue(DType.FLOAT32, ">f4", new long[] {2}, false, false, be);
    try (PtFile back = TestRecords.open(TestRecords.write(List.of(a), "c"), "c.pt")) {
      TensorValue t = (TensorValue) back.records().get(0);
      assertEquals(DType.FLOAT32, t.dtype());
      assertArrayEquals(new long[] {2}, t.shape());
      byte[] le = {0, 0, (byte) 0xc0, 0x3f, 0, 0, 0x20, 0x40};
      assertEquals(sha(le), PtJson.sha256(t));
    }
  }

  @Test
  void refusesAnIntTorchCannotLoadAndStaysUsable() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PtWriter w = new PtWriter(Channels.newChannel(bytes), "c")) {
      PtValue huge = DictValue.of(Map.of("n", new IntValue(BigInteger.TWO.pow(2040))));
      PtWriteException e = assertThrows(PtWriteException.class, () -> w.append(huge));
      assertTrue(e.getMessage().contains("record 0['n']"), e.getMessage());
      assertTrue(e.getMessage().contains("2041 bits"), e.getMessage());
      w.append(str("fine"));
      // The path names nested places: list items by position, dict keys by their value.
      PtValue nested =
          DictValue.of(
              Map.of(
                  "clinical",
                  ListValue.of(List.of(i(1), i(2), new IntValue(BigInteger.TWO.pow(4000))))));
      e = assertThrows(PtWriteException.class, () -> w.append(nested));
      assertTrue(e.getMessage().startsWith("record 1['clinical'][2]: int of"), e.getMessage());
    }
    try (PtFile back = TestRecords.open(bytes.toByteArray(), "c.pt")) {
      assertEquals(List.of(str("fine")), back.records());
    }
  }

  @Test
  void archiveNameFollowsTorch() {
    assertEquals("a.b.c", PtWriter.archiveNameFor("dir/a.b.c.pt"));
    assertEquals("noext", PtWriter.archiveNameFor("noext"));
    assertEquals(".hidden", PtWriter.archiveNameFor(".hidden.pt"));
  }

  static byte[] ints(int[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  static String sha(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
