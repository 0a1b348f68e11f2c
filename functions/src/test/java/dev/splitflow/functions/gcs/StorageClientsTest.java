package dev.splitflow.functions.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.time.Duration;
import java.util.List;
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

  /**
   * The client's default retries run 50 s with nothing reachable; the functions' clients give up
   * well inside the event timeout and hand the event back for a redelivery.
   */
  @Test
  void retriesAndTimeoutsAreBounded() {
    for (Map<String, String> env :
        List.of(Map.<String, String>of(), Map.of("STORAGE_EMULATOR_HOST", "h:1"))) {
      StorageOptions o = StorageClients.fromEnv(env, "p").getOptions();
      Duration total = o.getRetrySettings().getTotalTimeoutDuration();
      assertEquals(StorageClients.TOTAL_TIMEOUT, total);
      assertTrue(
          total.compareTo(StorageOptions.getDefaultRetrySettings().getTotalTimeoutDuration()) < 0,
          "shorter than the client's default " + total);
      assertEquals(4, o.getRetrySettings().getMaxAttempts());
      HttpTransportOptions t = (HttpTransportOptions) o.getTransportOptions();
      assertEquals(5_000, t.getConnectTimeout());
      assertEquals(30_000, t.getReadTimeout());
    }
  }
}
