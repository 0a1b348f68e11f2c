package dev.splitflow.functions.summary;

import com.google.api.core.ApiFuture;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * {@link SummaryPublisher} on a real Pub/Sub topic, or on the emulator when the environment names
 * one, so the same code path runs in the cloud and in the integration tests.
 *
 * <p>A function publishes one summary per invocation and must not report success before the service
 * has the message, so each message is sent on its own (no batching delay) and {@link #publish}
 * waits for the ack. Retries are bounded well inside the wait, so a dead endpoint surfaces as the
 * last gRPC error rather than as a bare timeout, and the platform (which retries the whole
 * invocation) is never held for the client library's default ten minutes.
 */
public final class PubSubSummaryPublisher implements SummaryPublisher, AutoCloseable {

  /** The variable gcloud's {@code env-init} and the client libraries use for the emulator. */
  public static final String EMULATOR_HOST_ENV = "PUBSUB_EMULATOR_HOST";

  /** Longest publish() waits for the ack; retries give up a little earlier (see class doc). */
  static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  // Project ids are loose (legacy domain-scoped ids contain ':' and '.'); topic ids follow the
  // documented resource-name rule, so a typo fails at start-up, not at the first publish.
  private static final Pattern TOPIC =
      Pattern.compile("projects/[^/\\s]+/topics/[A-Za-z][-A-Za-z0-9._~%+]{2,254}");

  private final String topic;
  private final Publisher publisher;
  private final ManagedChannel channel; // null unless we own it (emulator)

  private PubSubSummaryPublisher(String topic, Publisher publisher, ManagedChannel channel) {
    this.topic = topic;
    this.publisher = publisher;
    this.channel = channel;
  }

  /**
   * @param topic {@code projects/PROJECT/topics/TOPIC}
   * @param env the process environment ({@code System.getenv()} in production); only {@value
   *     #EMULATOR_HOST_ENV} is read, so tests can point at an emulator without touching the real
   *     environment
   * @throws IllegalArgumentException when {@code topic} is not a full topic name
   */
  public static PubSubSummaryPublisher create(String topic, Map<String, String> env)
      throws IOException {
    Objects.requireNonNull(env, "env");
    if (topic == null || !TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException(
          "Pub/Sub topic must look like projects/PROJECT/topics/TOPIC, got: "
              + (topic == null ? "null" : "'" + topic + "'"));
    }
    Publisher.Builder builder =
        Publisher.newBuilder(topic)
            .setBatchingSettings(
                Publisher.Builder.getDefaultBatchingSettings().toBuilder()
                    .setElementCountThreshold(1L)
                    .build())
            .setRetrySettings(
                RetrySettings.newBuilder()
                    .setInitialRetryDelayDuration(Duration.ofMillis(100))
                    .setRetryDelayMultiplier(2.0)
                    .setMaxRetryDelayDuration(Duration.ofSeconds(5))
                    .setInitialRpcTimeoutDuration(Duration.ofSeconds(10))
                    .setRpcTimeoutMultiplier(1.5)
                    .setMaxRpcTimeoutDuration(Duration.ofSeconds(20))
                    .setTotalTimeoutDuration(ACK_TIMEOUT.minusSeconds(10))
                    .build())
            .setExecutorProvider(
                InstantiatingExecutorProvider.newBuilder().setExecutorThreadCount(1).build());

    String emulator = env.get(EMULATOR_HOST_ENV);
    ManagedChannel channel = null;
    if (emulator != null && !emulator.isBlank()) {
      channel = ManagedChannelBuilder.forTarget(emulator.trim()).usePlaintext().build();
      builder
          .setChannelProvider(
              FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
          .setCredentialsProvider(NoCredentialsProvider.create());
    }
    try {
      return new PubSubSummaryPublisher(topic, builder.build(), channel);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.shutdownNow();
      }
      throw e;
    }
  }

  /** The full topic name messages go to. */
  public String topic() {
    return topic;
  }

  @Override
  public String publish(byte[] body, Map<String, String> attributes) throws IOException {
    PubsubMessage message =
        PubsubMessage.newBuilder()
            .setData(ByteString.copyFrom(body))
            .putAllAttributes(attributes == null ? Map.of() : attributes)
            .build();
    ApiFuture<String> future = publisher.publish(message);
    try {
      return future.get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("publish to " + topic + " failed: " + describe(cause), cause);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException(
          "publish to " + topic + " not acknowledged within " + ACK_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      InterruptedIOException io =
          new InterruptedIOException("interrupted while publishing to " + topic);
      io.initCause(e);
      throw io;
    }
  }

  /** "NOT_FOUND: Topic not found" rather than gax's doubly wrapped exception text. */
  private static String describe(Throwable t) {
    if (t instanceof ApiException api) {
      String detail = Status.fromThrowable(api).getDescription();
      return api.getStatusCode().getCode() + (detail == null ? "" : ": " + detail);
    }
    return t.toString();
  }

  /**
   * Flushes anything outstanding, then releases the threads and (emulator) channel. Does not throw
   * {@link InterruptedException} so it fits try-with-resources; an interrupt cuts the wait short
   * and is passed on.
   */
  @Override
  public void close() {
    try {
      publisher.shutdown();
      publisher.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (channel != null) {
        channel.shutdown();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
  }
}
