package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class ZipDirectoryTest {

  @Test
  void everyEntryIsFoundByNameAmongThousands() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 5_000; i++) {
      entries.put("archive/data/" + i, new byte[i % 7]);
    }
    entries.put("archive/dätä/ü", new byte[3]);
    ZipDirectory dir = read(Zips.zip(entries, false));

    assertEquals(5_001, dir.size());
    int i = 0;
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      ZipDirectory.Entry byName = dir.get(e.getKey());
      assertEquals(e.getKey(), byName.name);
      assertEquals(e.getValue().length, byName.size);
      assertEquals(ZipDirectory.STORED, byName.method);
      ZipDirectory.Entry byIndex = dir.entry(i++);
      assertEquals(e.getKey(), byIndex.name);
      assertEquals(byName.localHeaderOffset, byIndex.localHeaderOffset);
    }
    assertNull(dir.get("archive/data/5000"));
    assertNull(dir.get("archive/data/"));
    assertNull(dir.get(""));
  }

  @Test
  void aRepeatedNameIsRefusedSinceTorchReadsSomeFirstAndSomeLast() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("a/x", new byte[1]);
    entries.put("a/y", new byte[2]);
    byte[] zip = Zips.zip(entries, false);
    // Rename a/y to a/x, in its local header and in the central directory.
    String text = new String(zip, StandardCharsets.ISO_8859_1).replace("a/y", "a/x");
    PtFormatException e =
        Assertions.assertThrows(
            PtFormatException.class, () -> read(text.getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals(
        "t.pt: entry 'a/x': appears twice in the zip directory;", e.getMessage().substring(0, 54));
  }

  @Test
  void anEmptyArchiveHasNoEntries() throws IOException {
    ZipDirectory dir = read(Zips.zip(Map.of(), false));
    assertEquals(0, dir.size());
    assertNull(dir.get("archive/data.pkl"));
  }

  private static ZipDirectory read(byte[] zip) throws IOException {
    return ZipDirectory.read(new Source(new TestRecords.ByteArrayChannel(zip), "t.pt"));
  }
}
