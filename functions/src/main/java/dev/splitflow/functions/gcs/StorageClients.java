package dev.splitflow.functions.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.util.Map;

/** The Cloud Storage client a deployed function uses; honours {@code STORAGE_EMULATOR_HOST}. */
public final class StorageClients {
  private StorageClients() {}

  public static final String EMULATOR_HOST = "STORAGE_EMULATOR_HOST";

  public static Storage fromEnv(Map<String, String> env, String project) {
    String emulator = env.get(EMULATOR_HOST);
    if (emulator != null && !emulator.isBlank()) {
      String host = emulator.startsWith("http") ? emulator : "http://" + emulator;
      return StorageOptions.newBuilder()
          .setHost(host)
          .setProjectId(project)
          .setCredentials(NoCredentials.getInstance())
          .build()
          .getService();
    }
    return StorageOptions.newBuilder().setProjectId(project).build().getService();
  }
}
