package dev.splitflow.functions.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.time.Duration;
import java.util.Map;

/**
 * The Cloud Storage client a deployed function uses; honours {@code STORAGE_EMULATOR_HOST}.
 *
 * <p>Retries are bounded well inside the event timeout: with no storage reachable a call gives up
 * after {@link #TOTAL_TIMEOUT} instead of the client's default 50 s, and the function asks the
 * platform for a redelivery (which backs off by itself) with a one-line message.
 */
public final class StorageClients {
  private StorageClients() {}

  public static final String EMULATOR_HOST = "STORAGE_EMULATOR_HOST";

  /** How long one call may spend retrying before the function gives the event back. */
  public static final Duration TOTAL_TIMEOUT = Duration.ofSeconds(15);

  /** Connecting to Cloud Storage; a refused or unreachable endpoint fails well within this. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Waiting for the bytes of one answer (ranged reads are at most a few MiB). */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  public static Storage fromEnv(Map<String, String> env, String project) {
    StorageOptions.Builder builder =
        StorageOptions.newBuilder()
            .setProjectId(project)
            .setRetrySettings(retrySettings())
            .setTransportOptions(
                HttpTransportOptions.newBuilder()
                    .setConnectTimeout(Math.toIntExact(CONNECT_TIMEOUT.toMillis()))
                    .setReadTimeout(Math.toIntExact(READ_TIMEOUT.toMillis()))
                    .build());
    String emulator = env.get(EMULATOR_HOST);
    if (emulator != null && !emulator.isBlank()) {
      String host = emulator.startsWith("http") ? emulator : "http://" + emulator;
      builder.setHost(host).setCredentials(NoCredentials.getInstance());
    }
    return builder.build().getService();
  }

  static RetrySettings retrySettings() {
    return StorageOptions.getDefaultRetrySettings().toBuilder()
        .setTotalTimeoutDuration(TOTAL_TIMEOUT)
        .setMaxAttempts(4)
        .build();
  }
}
