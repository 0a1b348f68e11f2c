package dev.splitflow.functions.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.functions.summary.SummaryPublisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keeps published summaries in memory, for tests of the functions' decisions; the Pub/Sub path
 * itself is tested against the emulator ({@code PubSubSummaryPublisherIT}, {@code EndToEndIT}). Can
 * be told to fail the next publishes, as an unreachable Pub/Sub would.
 */
public final class RecordingPublisher implements SummaryPublisher {
  public record Message(JsonNode body, Map<String, String> attributes) {}

  private final List<Message> messages = new ArrayList<>();
  private int failNext;

  @Override
  public synchronized String publish(byte[] body, Map<String, String> attributes)
      throws IOException {
    if (failNext > 0) {
      failNext--;
      throw new IOException("publish to projects/p/topics/summaries failed: UNAVAILABLE");
    }
    messages.add(new Message(new ObjectMapper().readTree(body), Map.copyOf(attributes)));
    return Integer.toString(messages.size());
  }

  public synchronized List<Message> messages() {
    return List.copyOf(messages);
  }

  public synchronized void failNext(int n) {
    failNext = n;
  }
}
