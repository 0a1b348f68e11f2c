package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.ListValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  private static final Path GOLDEN =
      Path.of(System.getProperty("splitflow.repo.root", "."))
          .resolve("core/src/test/resources/golden/valid");

  @Test
  void everyGoldenRecordSurvivesEncodingWithItsTensorBytesReadFromTheFile() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(GOLDEN)) {
      files = s.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
    }
    int records = 0;
    int roots = 0;
    for (Path file : files) {
      try (PtFile f = PtFile.open(file);
          FileChannel again = FileChannel.open(file)) {
        RecordCodec.Decoder decoder = new RecordCodec.Decoder(again, file.toString());
        if (!(f.root() instanceof ListValue)) {
          // A root that is not a list of records (a tensor, a state dict) travels as one value.
          PtValueAssert.assertSameValue(
              f.root(), decoder.decode(RecordCodec.encode(f.root())), file + " root");
          roots++;
          continue;
        }
        int i = 0;
        for (PtValue r : f.records()) {
          PtValue back = decoder.decode(RecordCodec.encode(r));
          PtValueAssert.assertSameValue(r, back, file.getFileName() + " record " + i++);
          records++;
        }
      }
    }
    assertTrue(records > 1000, records + " records");
    assertTrue(roots >= 3, roots + " non-list roots");
  }

  @Test
  void sharedValuesAndInMemoryStoragesTravel() throws IOException {
    ListValue shared = ListValue.of(List.of(TestRecords.i(1)));
    TensorValue t = TensorValue.of(DType.INT16, new long[] {2}, new byte[] {1, 0, 2, 0});
    PtValue record = DictValue.of(Map.of("a", shared, "b", shared, "t", t, "u", t));
    RecordCodec.Decoder decoder =
        new RecordCodec.Decoder(new TestRecords.ByteArrayChannel(new byte[0]), "none");
    DictValue back = (DictValue) decoder.decode(RecordCodec.encode(record));
    assertSame(back.get("a"), back.get("b"));
    assertSame(back.get("t"), back.get("u"));
    PtValueAssert.assertSameValue(record, back, "record");
  }

  @Test
  void recordsPackedTogetherDecodeFromTheirRangeAndALeftOverByteIsAnError() throws IOException {
    PtValue first = DictValue.of(Map.of("a", TestRecords.i(1)));
    PtValue second = ListValue.of(List.of(TestRecords.i(2), TestRecords.i(3)));
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    RecordCodec.encode(first, packed);
    int end = packed.size();
    RecordCodec.encode(second, packed);
    byte[] bytes = packed.toByteArray();
    RecordCodec.Decoder decoder =
        new RecordCodec.Decoder(new TestRecords.ByteArrayChannel(new byte[0]), "none");
    PtValueAssert.assertSameValue(first, decoder.decode(bytes, 0, end), "first");
    PtValueAssert.assertSameValue(second, decoder.decode(bytes, end, bytes.length - end), "second");
    IOException e =
        Assertions.assertThrows(IOException.class, () -> decoder.decode(bytes, 0, end + 1));
    assertEquals("a record encoding of " + (end + 1) + " bytes has 1 left over", e.getMessage());
  }

  @Test
  void oneWriterAndOneDecoderServeManyRecordsAsFreshOnesWould() throws IOException {
    TensorValue t = TensorValue.of(DType.INT16, new long[] {2}, new byte[] {1, 0, 2, 0});
    ListValue shared = ListValue.of(List.of(TestRecords.i(1)));
    List<PtValue> records =
        List.of(
            DictValue.of(Map.of("a", shared, "b", shared, "t", t)),
            DictValue.of(Map.of("t", t, "u", t)),
            ListValue.of(List.of(t, shared, shared)));
    RecordCodec.Writer writer = new RecordCodec.Writer();
    RecordCodec.Decoder decoder =
        new RecordCodec.Decoder(new TestRecords.ByteArrayChannel(new byte[0]), "none");
    for (int round = 0; round < 3; round++) {
      for (PtValue r : records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writer.encode(r, bytes);
        byte[] encoded = bytes.toByteArray();
        Assertions.assertArrayEquals(RecordCodec.encode(r), encoded);
        PtValueAssert.assertSameValue(r, decoder.decode(encoded), "round " + round);
        // A refused encoding leaves nothing behind for the next record.
        Assertions.assertThrows(
            IOException.class, () -> decoder.decode(encoded, 0, encoded.length - 1));
      }
    }
  }
}
