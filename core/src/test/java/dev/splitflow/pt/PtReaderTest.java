package dev.splitflow.pt;

import static dev.splitflow.pt.Zips.pkl;
import static dev.splitflow.pt.Zips.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.io.CountingChannel;
import dev.splitflow.pt.PtValue.ListValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

class PtReaderTest {

  private static byte[] sinkFile() throws IOException {
    List<PtValue> records = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      records.add(TestRecords.kitchenSink(k));
    }
    return TestRecords.write(records, "batch_1");
  }

  private static String json(PtFile f) throws IOException {
    StringBuilder sb = new StringBuilder();
    PtJson.write(f, sb);
    return sb.toString();
  }

  private static PtFormatException refused(byte[] file) {
    return assertThrows(
        PtFormatException.class,
        () -> {
          try (PtFile f = TestRecords.open(file, "bad.pt")) {
            json(f);
          }
        });
  }

  /** A file holding one int16 tensor view, as torch pickles it. */
  private static byte[] tensorPickle(String key, int numel, int offset, int size) {
    return pkl("\u0080\u0002]q\u0000(", tensorBody(key, numel, offset, size), "e.");
  }

  @Test
  void shortReadsGiveTheSameValues() throws IOException {
    byte[] file = sinkFile();
    String direct;
    try (PtFile f = TestRecords.open(file, "a.pt")) {
      direct = json(f);
    }
    CountingChannel trickle = new CountingChannel(new TestRecords.ByteArrayChannel(file), 3);
    try (PtFile f = PtFile.open(trickle, "a.pt")) {
      assertEquals(direct, json(f));
    }
  }

  @Test
  void deflatedEntriesReadTheSame() throws IOException {
    byte[] file = sinkFile();
    Map<String, byte[]> entries = new LinkedHashMap<>();
    // ZipInputStream cannot read STORED entries with data descriptors (torch's layout): ZipFile.
    Path tmp = Files.createTempFile("sink", ".pt");
    try {
      Files.write(tmp, file);
      try (ZipFile z = new ZipFile(tmp.toFile())) {
        for (ZipEntry e : Collections.list(z.entries())) {
          entries.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
      }
    } finally {
      Files.delete(tmp);
    }
    byte[] deflated = Zips.zip(entries, true);
    try (PtFile a = TestRecords.open(file, "a.pt");
        PtFile b = TestRecords.open(deflated, "a.pt")) {
      assertEquals(json(a), json(b));
    }
  }

  @Test
  void sharedStorageViewsPointIntoOneStorage() throws IOException {
    byte[] data = new byte[8];
    byte[] pickle =
        pkl("\u0080\u0002]q\u0000(", tensorBody("0", 4, 0, 2), tensorBody("0", 4, 2, 2), "e.");
    try (PtFile f = TestRecords.open(Zips.torchZip(pickle, Map.of("0", data)), "v.pt")) {
      TensorValue a = (TensorValue) f.records().get(0);
      TensorValue b = (TensorValue) f.records().get(1);
      assertSame(a.storage(), b.storage());
      assertEquals(2, b.storageOffset());
      assertEquals(1, f.storages().size());
    }
  }

  private static byte[] tensorBody(String key, int numel, int offset, int size) {
    return pkl(
        "ctorch._utils\n_rebuild_tensor_v2\n(",
        "(",
        str("storage"),
        "ctorch\nShortStorage\n",
        str(key),
        str("cpu"),
        "K",
        numel,
        "tQ",
        "K",
        offset,
        "K",
        size,
        "\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)Rt",
        "R");
  }

  @Test
  void refusesUnknownGlobalsByName() throws IOException {
    byte[] evil = pkl("\u0080\u0002cos\nsystem\n", str("echo hi"), "\u0085R.");
    PtFormatException e = refused(Zips.torchZip(evil, Map.of()));
    assertTrue(e.getMessage().contains("os.system"), e.getMessage());
    assertTrue(
        e.getMessage().startsWith("bad.pt: entry 'archive/data.pkl' at offset "), e.getMessage());
    byte[] stackGlobal =
        pkl(
            "\u0080\u0004",
            "\u008c\u0008builtins",
            "\u008c\u0004eval",
            "\u0093",
            str("1"),
            "\u0085R.");
    assertTrue(
        refused(Zips.torchZip(stackGlobal, Map.of())).getMessage().contains("builtins.eval"));
  }

  @Test
  void refusesOpcodesThatRunCode() throws IOException {
    byte[] inst = pkl("\u0080\u0002(ios\nsystem\n", str("x"), ".");
    assertTrue(refused(Zips.torchZip(inst, Map.of())).getMessage().contains("INST"));
  }

  @Test
  void refusesPersistentIdsThatAreNotStorages() throws IOException {
    byte[] pid = pkl("\u0080\u0002", str("not a storage"), "\u0085Q.");
    assertTrue(refused(Zips.torchZip(pid, Map.of())).getMessage().contains("persistent id"));
  }

  @Test
  void storageSizeMustMatchItsEntryBeforeAnythingIsRead() throws IOException {
    byte[] pickle = tensorPickle("0", 200, 0, 4);
    PtFormatException e = refused(Zips.torchZip(pickle, Map.of("0", new byte[8])));
    assertTrue(e.getMessage().contains("archive/data/0"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 400 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("found 8"), e.getMessage());
  }

  @Test
  void viewsMustStayInsideTheirStorage() throws IOException {
    byte[] pickle = tensorPickle("0", 4, 3, 4);
    assertTrue(
        refused(Zips.torchZip(pickle, Map.of("0", new byte[8])))
            .getMessage()
            .contains("holds only 4"));
  }

  @Test
  void missingStorageEntryIsNamed() throws IOException {
    byte[] pickle = tensorPickle("7", 4, 0, 4);
    assertTrue(refused(Zips.torchZip(pickle, Map.of())).getMessage().contains("archive/data/7"));
  }

  @Test
  void oneKeyCannotBeTwoDtypes() throws IOException {
    byte[] pickle = pkl("\u0080\u0002]q\u0000(", tensorBody("0", 4, 0, 2), twoDtypeBody(), "e.");
    assertTrue(
        refused(Zips.torchZip(pickle, Map.of("0", new byte[8]))).getMessage().contains("both"));
  }

  private static byte[] twoDtypeBody() {
    return pkl(
        "ctorch._utils\n_rebuild_tensor_v2\n(",
        "(",
        str("storage"),
        "ctorch\nHalfStorage\n",
        str("0"),
        str("cpu"),
        "K\u0004tQK\u0000K\u0002\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)RtR");
  }

  @Test
  void deepNestingIsCappedWithoutRecursion() throws IOException {
    StringBuilder sb = new StringBuilder("\u0080\u0002");
    int depth = 100_000;
    sb.append("]".repeat(depth));
    sb.append("a".repeat(depth - 1));
    sb.append('.');
    PtFormatException e =
        refused(Zips.torchZip(sb.toString().getBytes(StandardCharsets.ISO_8859_1), Map.of()));
    assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
  }

  @Test
  void sharedReferencesAreNotExpanded() throws IOException {
    // l0 = [1, 1]; l(k+1) = [lk, lk]: 2^60 leaves in a few hundred bytes.
    StringBuilder sb = new StringBuilder("\u0080\u0002]q\u0000(K\u0001K\u0001e");
    for (int k = 1; k <= 60; k++) {
      sb.append("0]q").append((char) k).append("(h").append((char) (k - 1));
      sb.append('h').append((char) (k - 1)).append('e');
    }
    sb.append('.');
    byte[] file = Zips.torchZip(sb.toString().getBytes(StandardCharsets.ISO_8859_1), Map.of());
    try (PtFile f = TestRecords.open(file, "bomb.pt")) {
      ListValue root = (ListValue) f.root();
      assertSame(root.items().get(0), root.items().get(1));
      assertTrue(root.expandedNodes() > PtJson.MAX_NODES);
    }
    assertTrue(refused(file).getMessage().contains("expand"));
  }

  @Test
  void lyingLengthsFailBeforeAllocating() throws IOException {
    byte[] lie = pkl("\u0080\u0002X", 0xff, 0xff, 0xff, 0x7f, "abc.");
    PtFormatException e = refused(Zips.torchZip(lie, Map.of()));
    assertTrue(e.getMessage().contains("expected 2147483647 bytes"), e.getMessage());
  }

  @Test
  void aPickleEndingInsideAnArgumentSaysWhichArgument() throws IOException {
    // BININT (J) takes 4 bytes; the pickle ends after 2 of them.
    byte[] cut = pkl("\u0080\u0002J", 0x01, 0x02);
    PtFormatException e = refused(Zips.torchZip(cut, Map.of()));
    assertTrue(
        e.getMessage().contains("expected a 4-byte argument, found the end of the pickle"),
        e.getMessage());
  }

  @Test
  void everyTruncationIsAFormatError() throws IOException {
    byte[] file = TestRecords.write(List.of(TestRecords.kitchenSink(1)), "t");
    for (int cut = 0; cut < file.length; cut++) {
      byte[] part = Arrays.copyOf(file, cut);
      refused(part);
    }
  }

  @Test
  void everySingleByteCorruptionIsReadOrRefusedCleanly() throws IOException {
    byte[] file = TestRecords.write(List.of(TestRecords.kitchenSink(2)), "t");
    int[] patterns = {0x00, 0xFF, 0x7F, 0x80};
    for (int at = 0; at < file.length; at++) {
      for (int p : patterns) {
        byte[] bad = file.clone();
        bad[at] = (byte) (bad[at] ^ p ^ (p == 0 ? 1 : 0));
        try (PtFile f = TestRecords.open(bad, "bad.pt")) {
          json(f);
        } catch (PtException expected) {
          assertFalse(expected.getMessage().contains("\n"), expected.getMessage());
        }
      }
    }
  }

  @Test
  void notAPtFileSaysWhatItFound() throws IOException {
    PtFormatException e = refused("hello world".getBytes(StandardCharsets.US_ASCII));
    assertTrue(e.getMessage().contains("68656c6c"), e.getMessage());
    assertTrue(refused(new byte[0]).getMessage().contains("only 0 bytes"));
  }
}
