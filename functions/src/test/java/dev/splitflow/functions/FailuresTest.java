package dev.splitflow.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.storage.StorageException;
import dev.splitflow.functions.launch.LaunchException;
import dev.splitflow.functions.marker.MarkerException;
import dev.splitflow.pt.PtException;
import dev.splitflow.split.SplitException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** The one retry verdict: each kind of failure the functions meet, and which way it goes. */
class FailuresTest {
  private static IOException storage(int code) {
    return new IOException(
        "gs://b/o: Cloud Storage answered " + code, new StorageException(code, "x"));
  }

  @Test
  void badInputIsFinal() {
    assertFalse(Failures.retryable(new MarkerException("bad marker")));
    assertFalse(Failures.retryable(new SplitException("bad batch")));
    assertFalse(Failures.retryable(new PtException("bad pickle")));
  }

  @Test
  void launchFailuresCarryTheirOwnVerdict() {
    assertTrue(Failures.retryable(new LaunchException("HTTP 503", true, 503, null)));
    assertFalse(Failures.retryable(new LaunchException("HTTP 403", false, 403, null)));
  }

  @Test
  void cloudStorageRefusalsAreFinal() {
    for (int code : new int[] {400, 401, 403, 404, 412}) {
      assertFalse(Failures.retryable(storage(code)), "HTTP " + code);
    }
  }

  @Test
  void cloudStorageOutagesAndMissingAnswersAreRetried() {
    for (int code : new int[] {0, 429, 500, 502, 503}) {
      assertTrue(Failures.retryable(storage(code)), "HTTP " + code);
    }
    assertTrue(Failures.retryable(new IOException("read timed out", new SocketTimeoutException())));
    assertTrue(Failures.retryable(new IOException("connection reset")));
  }

  @Test
  void unexpectedRuntimeFailuresAreRetried() {
    assertTrue(Failures.retryable(new IllegalStateException("bug")));
    assertTrue(Failures.retryable(new NullPointerException()));
  }

  @Test
  void storageStatusIsTheDirectCausesCode() {
    assertEquals(404, Failures.storageStatus(storage(404)));
    assertEquals(Failures.NO_ANSWER, Failures.storageStatus(new IOException("no answer")));
    assertEquals(
        Failures.NO_ANSWER,
        Failures.storageStatus(
            new IOException("wrapped twice", new RuntimeException(storage(404)))));
  }
}
