package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtFile;
import dev.splitflow.pt.PtValue;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Messages about a record's fields stay one readable line however many fields it has. */
class RecordInfosEchoTest {
  @Test
  void aRecordWith32768FieldsAndNoStratumFieldGetsAShortMessage() throws Exception {
    // golden/valid/adv_flood_str_keys.pt: one record of 32,768 keys, none of them view_position.
    Path file =
        Path.of(System.getProperty("splitflow.repo.root", "."))
            .resolve("core/src/test/resources/golden/valid/adv_flood_str_keys.pt");
    try (PtFile f = PtFile.open(file)) {
      PtValue record = f.records().get(0);
      SplitException e =
          assertThrows(
              SplitException.class,
              () -> RecordInfos.extract(record, SplitConfig.defaults(), 0, "adv.pt#0"));
      String m = e.getMessage();
      assertTrue(m.length() < 1000, m.length() + " characters: " + m.substring(0, 200));
      assertTrue(m.contains("and 32748 more"), m);
      assertTrue(m.startsWith("adv.pt#0: stratum field 'view_position' is missing"), m);
    }
  }
}
