package dev.splitflow.pt;

import static dev.splitflow.pt.Zips.pkl;
import static dev.splitflow.pt.Zips.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.io.CountingChannel;
import dev.splitflow.pt.PtValue.DictValue;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link PtFile#forEachRecord}: the same records as {@link PtFile#open}, without keeping them. */
class RecordStreamTest {

  private static List<String> streamed(byte[] file) throws IOException {
    List<String> out = new ArrayList<>();
    int n =
        PtFile.forEachRecord(
            new TestRecords.ByteArrayChannel(file),
            "s.pt",
            (i, r) -> {
              assertEquals(out.size(), i);
              out.add(PtJson.toJson(r, true));
            });
    assertEquals(out.size(), n);
    return out;
  }

  private static List<String> opened(byte[] file) throws IOException {
    List<String> out = new ArrayList<>();
    try (PtFile f = TestRecords.open(file, "s.pt")) {
      for (PtValue r : f.records()) {
        out.add(PtJson.toJson(r, true));
      }
    }
    return out;
  }

  private static PtFormatException refusedWhenStreamed(byte[] file) {
    return assertThrows(PtFormatException.class, () -> streamed(file));
  }

  /** A batch file of {@code n} records cycling through {@code kinds} kitchen-sink shapes. */
  private static byte[] kitchenSinkBatch(int n, int kinds) throws IOException {
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      records.add(TestRecords.kitchenSink(k % kinds));
    }
    return TestRecords.write(records, "batch_1");
  }

  @Test
  void streamsTheRecordsOpenReads() throws IOException {
    byte[] file = kitchenSinkBatch(2_345, 7);
    List<String> expected = opened(file);
    assertEquals(2_345, expected.size());
    assertEquals(expected, streamed(file));
  }

  @Test
  void aLargePickleIsWalkedFromTheFileTwiceAndASmallOneReadOnce() throws IOException {
    byte[] file = kitchenSinkBatch(300, 5);
    List<String> expected = opened(file);

    CountingChannel opening = new CountingChannel(new TestRecords.ByteArrayChannel(file));
    try (PtFile f = PtFile.open(opening, "s.pt")) {
      assertEquals(300, f.records().size());
    }
    for (int inMemory : new int[] {0, PtFile.PICKLE_IN_MEMORY}) {
      List<String> got = new ArrayList<>();
      PtFile.forEachRecord(
          new TestRecords.ByteArrayChannel(file),
          "s.pt",
          (i, r) -> got.add(PtJson.toJson(r, true)),
          inMemory);
      assertEquals(expected, got, "in memory up to " + inMemory);
      // Bytes read for the records alone (printing them reads their tensors).
      CountingChannel ch = new CountingChannel(new TestRecords.ByteArrayChannel(file));
      assertEquals(300, PtFile.forEachRecord(ch, "s.pt", (i, r) -> {}, inMemory));
      if (inMemory == 0) {
        assertTrue(ch.bytesRead() > opening.bytesRead(), ch.bytesRead() + " bytes read");
      } else {
        assertEquals(opening.bytesRead(), ch.bytesRead());
      }
    }
  }

  @Test
  void recordsOfEarlierAppendsBatchesAreNotKept() throws IOException {
    // The writer appends in batches of 1,000 as Python's pickler does; the dict keys it memoizes
    // in the first record are read back by every later one.
    assertFirstThousandDroppedBy2400(r -> r, "record");
  }

  @Test
  void storagesOfRecordsNoLongerUsedAreNotKept() throws IOException {
    // Every kitchen-sink record has storages of its own; a batch with one per record used to keep
    // them all (and their keys and places) until the file was read.
    assertFirstThousandDroppedBy2400(r -> image(r).storage(), "storage of record");
  }

  /**
   * Streams 2,500 kitchen-sink records and checks, at record 2,400, that {@code part} of each of
   * the first 1,000 (the first APPENDS batch) has been garbage-collected.
   */
  private static void assertFirstThousandDroppedBy2400(Function<PtValue, Object> part, String what)
      throws IOException {
    Random rnd = new Random(7);
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < 2_500; k++) {
      records.add(TestRecords.kitchenSink(rnd.nextInt(5)));
    }
    byte[] file = TestRecords.write(records, "batch_1");
    List<WeakReference<Object>> seen = new ArrayList<>();
    boolean[] checked = {false};
    PtFile.forEachRecord(
        new TestRecords.ByteArrayChannel(file),
        "s.pt",
        (i, r) -> {
          seen.add(new WeakReference<>(part.apply(r)));
          if (i == 2_400) {
            for (int attempt = 0; attempt < 10 && seen.get(0).get() != null; attempt++) {
              System.gc();
            }
            for (int k = 0; k < 1_000; k++) {
              assertNull(seen.get(k).get(), what + " " + k + " is still held at record 2400");
            }
            checked[0] = true;
          }
        });
    assertTrue(checked[0]);
  }

  @Test
  void aStorageSharedByRecordsIsOneObjectWhileTheyAreHeld() throws IOException {
    // Three records viewing storage '0', in two APPENDS batches; the caller keeps them all.
    byte[] rec = imageRecord("FloatStorage", 4);
    byte[] file =
        Zips.torchZip(pkl("\u0080\u0002](", rec, rec, "e(", rec, "e."), Map.of("0", new byte[16]));
    List<PtValue> kept = new ArrayList<>();
    PtFile.forEachRecord(new TestRecords.ByteArrayChannel(file), "s.pt", (i, r) -> kept.add(r));
    assertEquals(3, kept.size());
    for (PtValue r : kept) {
      assertSame(image(kept.get(0)).storage(), image(r).storage());
    }
    assertEquals(opened(file), streamed(file));
  }

  @Test
  void aStorageDeclaredAgainAfterItsFirstUseIsGoneIsCheckedAgainstTheFirst() throws IOException {
    // Key '0' declared in the first APPENDS batch and again in the third, after the first record
    // and its storage were dropped: agreeing, it reads as open reads it; disagreeing, it is refused
    // with open's message.
    byte[] four = new byte[16];
    String[][] cases = {
      {"FloatStorage", "4", null},
      {"LongStorage", "2", "storage '0' is used as both float32 and int64"},
      {"FloatStorage", "8", "storage '0' declared with 16 and 32 bytes"},
    };
    for (String[] c : cases) {
      byte[] pickle =
          pkl(
              "\u0080\u0002](",
              imageRecord("FloatStorage", 4),
              "e(K\u0001e(",
              imageRecord(c[0], Integer.parseInt(c[1])),
              "e.");
      byte[] file = Zips.torchZip(pickle, Map.of("0", four));
      WeakReference<?>[] first = {null};
      boolean[] dropped = {false};
      PtFile.RecordVisitor visitor =
          (i, r) -> {
            if (i == 0) {
              first[0] = new WeakReference<>(image(r).storage());
            } else if (i == 1) {
              for (int attempt = 0; attempt < 10 && first[0].get() != null; attempt++) {
                System.gc();
              }
              dropped[0] = first[0].get() == null;
            }
          };
      if (c[2] == null) {
        assertEquals(
            3, PtFile.forEachRecord(new TestRecords.ByteArrayChannel(file), "s.pt", visitor));
        assertEquals(opened(file), streamed(file));
      } else {
        PtFormatException opening = assertThrows(PtFormatException.class, () -> opened(file));
        PtFormatException streaming =
            assertThrows(
                PtFormatException.class,
                () ->
                    PtFile.forEachRecord(new TestRecords.ByteArrayChannel(file), "s.pt", visitor));
        assertTrue(opening.getMessage().contains(c[2]), opening.getMessage());
        assertEquals(opening.getMessage(), streaming.getMessage());
      }
      assertTrue(dropped[0], "the first record's storage was still held: " + c[0]);
    }
  }

  /** {'image': _rebuild_tensor_v2(storage '0' of {@code numel}, 0, (numel,), (1,), False, {})}. */
  private static byte[] imageRecord(String storageType, int numel) {
    return pkl(
        "}(",
        str("image"),
        "ctorch._utils\n_rebuild_tensor_v2\n((",
        str("storage"),
        "ctorch\n" + storageType + "\n",
        str("0"),
        str("cpu"),
        "K",
        numel,
        "tQK\u0000(K",
        numel,
        "t(K\u0001t\u0089ccollections\nOrderedDict\n)RtRu");
  }

  private static TensorValue image(PtValue record) {
    return (TensorValue) ((DictValue) record).get("image");
  }

  @Test
  void aPickleThatChangesARecordAlreadyReadIsRefused() throws IOException {
    // [ {} ] appended, then the dict is fetched from the memo and given a key: legal for
    // torch.load, but the record was already handed out without that key.
    byte[] late = pkl("\u0080\u0002]q\u0000(}q\u0001e", "h\u0001", str("k"), str("v"), "s0.");
    byte[] file = Zips.torchZip(late, Map.of());
    assertEquals(
        List.of("{\"k\":\"v\"}"), opened(file).stream().map(s -> s.replace(" ", "")).toList());
    PtFormatException e = refusedWhenStreamed(file);
    assertTrue(e.getMessage().contains("already read"), e.getMessage());
  }

  @Test
  void aMemoEntryReadBackAfterManyAppendsBatchesIsKept() throws IOException {
    // A str memoized in record 0 and read back by a record after 100,001 APPENDS batches (one
    // per record, as a list of records appended one by one): the walk that finds the memo reads
    // once counted each batch as a value left on the stack and stopped at its stack limit.
    byte[] many = "(Ne".repeat(100_001).getBytes(StandardCharsets.ISO_8859_1);
    byte[] file =
        Zips.torchZip(pkl("\u0080\u0002](", str("k"), "q\u0001e", many, "(h\u0001e."), Map.of());
    List<String> records = streamed(file);
    assertEquals(100_003, records.size());
    assertEquals("\"k\"", records.get(100_002));
  }

  @Test
  void aMemoKeepingEachRecordsValuesForLaterRecordsIsBounded() throws IOException {
    // Each record is a list of 1,000 Nones the memo keeps (the last record reads them all back):
    // 2,000 values a record, far under the per-record bound, yet memory grew with every record.
    // With maxValues at 8,000,000 the 4,001st such record is refused.
    StringBuilder p = new StringBuilder("\u0080\u0002]");
    String list = "](" + "N".repeat(1000) + "e";
    int n = 4_100;
    for (int k = 0; k < n; k++) {
      p.append(list).append('r').append(le4(k)).append('a');
    }
    p.append("](");
    for (int k = 0; k < n; k++) {
      p.append('j').append(le4(k));
    }
    p.append("ea.");
    byte[] file = Zips.torchZip(pkl(p.toString()), Map.of());
    PtFormatException e = refusedWhenStreamed(file);
    assertTrue(e.getMessage().contains("kept in the memo for later ones"), e.getMessage());
  }

  @Test
  void recordsReusingAnEarlierRecordBeyondThePicklesSizeAreRefused() throws IOException {
    // Record 0 holds 200,000 Nones; every later record is the same dict again (5 bytes each):
    // each would be encoded, printed or shuffled in full.
    String big = "}r" + le4(0) + "(X\u0001\u0000\u0000\u0000b]";
    StringBuilder p = new StringBuilder("\u0080\u0002](").append(big);
    for (int b = 0; b < 200; b++) {
      p.append('(').append("N".repeat(1000)).append('e');
    }
    p.append("ue");
    for (int b = 0; b < 100; b++) {
      p.append('(').append(("j" + le4(0)).repeat(1000)).append('e');
    }
    p.append('.');
    byte[] file = Zips.torchZip(pkl(p.toString()), Map.of());
    // 100,001 records of 200,004 values each is 2e10, far over 8,000,000 plus the pickle's bytes
    PtFormatException e = refusedWhenStreamed(file);
    assertTrue(e.getMessage().contains("through values they share"), e.getMessage());
  }

  /**
   * A list of {@code n} records {"note": s} sharing one memoized str of {@code bytes} 'x's: the
   * first record holds it, each later one reads it back with a 2-byte BINGET.
   */
  private static byte[] recordsSharingOneString(int bytes, int n) throws IOException {
    StringBuilder p = new StringBuilder("\u0080\u0002](}(X\u0004\u0000\u0000\u0000note");
    p.append('X').append(le4(bytes)).append("x".repeat(bytes)).append("q\u0000u");
    for (int k = 1; k < n; k++) {
      p.append("}(X\u0004\u0000\u0000\u0000noteh\u0000u");
    }
    p.append("e.");
    return Zips.torchZip(pkl(p.toString()), Map.of());
  }

  @Test
  void recordsCopyingAnEarlierRecordsStringBeyondThePicklesSizeAreRefused() throws IOException {
    // 100 records share one 1 MiB str: 100 MiB to encode and write from a 1 MiB pickle, over the
    // 64 MiB allowance. Only 3 values a record, so the count of values alone never sees it.
    PtFormatException e = refusedWhenStreamed(recordsSharingOneString(1 << 20, 100));
    assertTrue(e.getMessage().startsWith("s.pt: "), e.getMessage());
    assertTrue(e.getMessage().contains("bytes of str, bytes and array data"), e.getMessage());
    assertTrue(e.getMessage().contains("-Dsplitflow.pt.maxSharedBytes=N"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void recordsSharingStringsWithinTheAllowanceStream() throws IOException {
    // 50 MiB of one shared 1 MiB str stays within the pickle's bytes plus 64 MiB.
    List<String> big = streamed(recordsSharingOneString(1 << 20, 50));
    assertEquals(50, big.size());
    assertEquals(big.get(0), big.get(49));
    // What Python's pickler writes for a label in every record: the key and the value memoized
    // once, then 2-byte BINGETs, 100,000 times.
    StringBuilder p = new StringBuilder("\u0080\u0002](}(");
    p.append("X\r\u0000\u0000\u0000view_positionq\u0001X\u0002\u0000\u0000\u0000PAq\u0002u");
    for (int b = 0; b < 100; b++) {
      p.append("e(").append("}(h\u0001h\u0002u".repeat(1000));
    }
    p.append("e.");
    List<String> labels = streamed(Zips.torchZip(pkl(p.toString()), Map.of()));
    assertEquals(100_001, labels.size());
    assertEquals("{\"view_position\":\"PA\"}", labels.get(100_000).replace(" ", ""));
  }

  private static String le4(int k) {
    return new String(
        new char[] {(char) (k & 0xFF), (char) ((k >>> 8) & 0xFF), (char) ((k >>> 16) & 0xFF), 0});
  }

  @Test
  void aTopLevelListInsideItselfIsRefused() throws IOException {
    byte[] cycle = pkl("\u0080\u0002]q\u0000(h\u0000e.");
    PtFormatException e = refusedWhenStreamed(Zips.torchZip(cycle, Map.of()));
    assertTrue(e.getMessage().contains("refers to itself"), e.getMessage());
  }

  @Test
  void aFileTooShortToBeAPtFileSaysSo() {
    PtFormatException e = refusedWhenStreamed(new byte[] {'P', 'K'});
    assertTrue(e.getMessage().contains("found only 2 bytes"), e.getMessage());
  }

  @Test
  void aTopLevelValueThatIsNotAListIsRefused() throws IOException {
    byte[] dict = pkl("\u0080\u0002}q\u0000.");
    PtFormatException e = refusedWhenStreamed(Zips.torchZip(dict, Map.of()));
    assertTrue(e.getMessage().contains("expected a list of records"), e.getMessage());
    assertTrue(e.getMessage().startsWith("s.pt: "), e.getMessage());
  }

  @Test
  void memoNumberingMatchesPythonWhenEntriesAreDropped() throws IOException {
    // Protocol 4 numbers MEMOIZE entries len(memo): the third string is id 2 though ids 0 and 1
    // are never read back (and so not kept).
    byte[] p4 =
        pkl("\u0080\u0004]\u0094(", str("a"), "\u0094", str("b"), "\u0094", "h\u0002", "e.");
    // MEMOIZE ids: list 0, "a" 1, "b" 2; BINGET 2 reads "b" back.
    assertEquals(opened(Zips.torchZip(p4, Map.of())), streamed(Zips.torchZip(p4, Map.of())));
    assertEquals(3, streamed(Zips.torchZip(p4, Map.of())).size());
  }

  @Test
  void everySingleByteCorruptionStreamsAsOpenReadsOrIsRefused() throws IOException {
    byte[] file =
        TestRecords.write(List.of(TestRecords.kitchenSink(1), TestRecords.kitchenSink(2)), "t");
    int[] patterns = {0x00, 0xFF, 0x7F, 0x80};
    for (int at = 0; at < file.length; at++) {
      for (int p : patterns) {
        byte[] bad = file.clone();
        bad[at] = (byte) (bad[at] ^ p ^ (p == 0 ? 1 : 0));
        List<String> whole;
        try {
          whole = opened(bad);
        } catch (PtException refused) {
          whole = null;
        }
        try {
          List<String> stream = streamed(bad);
          assertEquals(whole, stream, "byte " + at + " ^ " + p);
        } catch (PtException e) {
          assertFalse(e.getMessage().contains("\n"), e.getMessage());
          if (whole != null) {
            assertTrue(e.getMessage().contains("already read"), "byte " + at + ": " + e);
          }
        }
      }
    }
  }

  @Test
  void everyTruncationIsRefusedWhenStreamed() throws IOException {
    byte[] file = TestRecords.write(List.of(TestRecords.kitchenSink(1)), "t");
    for (int cut = 0; cut < file.length; cut++) {
      byte[] part = Arrays.copyOf(file, cut);
      assertThrows(PtException.class, () -> streamed(part), "cut at " + cut);
    }
  }
}
