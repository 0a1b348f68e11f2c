package dev.splitflow.functions.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageClientsTest {
  @Test
  void storageEmulatorHostPointsTheClientAtTheEmulatorWithoutCredentials() {
    Storage s = StorageClients.fromEnv(Map.of("STORAGE_EMULATOR_HOST", "localhost:9023"), "p");
    assertEquals("http://localhost:9023", s.getOptions().getHost());
    assertEquals(NoCredentials.getInstance(), s.getOptions().getCredentials());
    assertEquals("p", s.getOptions().getProjectId());
    Storage t = StorageClients.fromEnv(Map.of("STORAGE_EMULATOR_HOST", "http://gcs:4443"), "p");
    assertEquals("http://gcs:4443", t.getOptions().getHost());
  }
}
