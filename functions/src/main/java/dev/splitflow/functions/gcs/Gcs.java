package dev.splitflow.functions.gcs;

import com.google.cloud.storage.StorageException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.Callable;

/** Cloud Storage calls with failures that say what was being done and whether to retry. */
public final class Gcs {
  private Gcs() {}

  /**
   * Runs a call; a {@link StorageException} becomes an {@link IOException} naming {@code what} (its
   * cause keeps the status for {@link #retryable}).
   */
  public static <T> T call(Callable<T> call, String what) throws IOException {
    try {
      return call.call();
    } catch (StorageException e) {
      throw new IOException(
          what + ": Cloud Storage answered " + e.getCode() + " " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(what + ": " + e, e);
    }
  }

  /**
   * Whether trying again later can help: Cloud Storage's own verdict, 429 and 5xx, and failures
   * with no answer at all (code 0: timeouts, resets).
   */
  public static boolean retryable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StorageException s) {
        int code = s.getCode();
        return s.isRetryable() || code == 0 || code == 429 || code >= 500;
      }
      if (c instanceof SocketTimeoutException || c instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }
}
