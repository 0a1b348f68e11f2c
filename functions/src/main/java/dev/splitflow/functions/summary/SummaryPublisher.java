package dev.splitflow.functions.summary;

import java.io.IOException;
import java.util.Map;

/** Where run summaries go: a Pub/Sub topic in the cloud and in tests (against the emulator). */
public interface SummaryPublisher {

  /**
   * Publishes one message and waits until the service has accepted it.
   *
   * @return the message id the service assigned
   * @throws IOException when it was not accepted; the caller lets the platform retry
   */
  String publish(byte[] body, Map<String, String> attributes) throws IOException;
}
