package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bucket notifications to Pub/Sub, in Cloud Storage's format: one message per event with the
 * attributes {@code notificationConfig}, {@code eventType}, {@code payloadFormat}, {@code
 * bucketId}, {@code objectId}, {@code objectGeneration}, {@code eventTime} (plus {@code
 * overwroteGeneration} / {@code overwrittenByGeneration}), and the object resource as data.
 *
 * <p>Messages go to the Pub/Sub emulator's REST API ({@code PUBSUB_EMULATOR_HOST}) from one thread,
 * in the order the changes happened, retried until the emulator takes them.
 */
public final class Notifications implements AutoCloseable {
  /** A notification config, as {@code google_storage_notification} declares one. */
  public record Config(
      String id,
      String bucket,
      String topic,
      String prefix,
      List<String> eventTypes,
      String payloadFormat,
      Map<String, String> customAttributes) {

    public Config {
      prefix = prefix == null ? "" : prefix;
      eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
      payloadFormat = payloadFormat == null ? "JSON_API_V1" : payloadFormat;
      customAttributes = customAttributes == null ? Map.of() : Map.copyOf(customAttributes);
    }

    boolean wants(DiskStore.Change c) {
      return c.object().bucket().equals(bucket)
          && c.object().name().startsWith(prefix)
          && (eventTypes.isEmpty() || eventTypes.contains(c.eventType()));
    }

    ObjectNode toResource() {
      ObjectNode o = LocalJson.MAPPER.createObjectNode();
      o.put("kind", "storage#notification");
      o.put("id", id);
      o.put("topic", "//pubsub.googleapis.com/" + topic);
      if (!prefix.isEmpty()) {
        o.put("object_name_prefix", prefix);
      }
      ArrayNode types = o.putArray("event_types");
      eventTypes.forEach(types::add);
      o.put("payload_format", payloadFormat);
      if (!customAttributes.isEmpty()) {
        ObjectNode ca = o.putObject("custom_attributes");
        customAttributes.forEach(ca::put);
      }
      return o;
    }
  }

  private final List<Config> configs = new ArrayList<>();
  private final Path file;
  private final String pubsubHost;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "localgcs-notifications");
            t.setDaemon(true);
            return t;
          });
  private int nextId = 1;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong settled = new AtomicLong();

  /**
   * @param file where configs persist between starts
   * @param pubsubHost the emulator's {@code host:port}, or null to refuse configs
   */
  Notifications(Path file, String pubsubHost) throws IOException {
    this.file = file;
    this.pubsubHost = pubsubHost;
    if (Files.exists(file)) {
      for (JsonNode n : LocalJson.MAPPER.readTree(file.toFile())) {
        configs.add(fromJson(n, n.path("bucket").asText(), n.path("id").asText()));
        nextId = Math.max(nextId, n.path("id").asInt(0) + 1);
      }
    }
  }

  public synchronized Config add(
      String bucket,
      String topic,
      String prefix,
      List<String> eventTypes,
      String payloadFormat,
      Map<String, String> customAttributes)
      throws GcsError, IOException {
    if (pubsubHost == null) {
      throw GcsError.invalid(
          "notifications need the Pub/Sub emulator: start the service with PUBSUB_EMULATOR_HOST"
              + " set");
    }
    if (topic == null || !topic.matches("projects/[^/]+/topics/[^/]+")) {
      throw GcsError.invalid("topic must be projects/PROJECT/topics/TOPIC, got '" + topic + "'");
    }
    for (String t : eventTypes == null ? List.<String>of() : eventTypes) {
      if (!List.of("OBJECT_FINALIZE", "OBJECT_DELETE", "OBJECT_METADATA_UPDATE", "OBJECT_ARCHIVE")
          .contains(t)) {
        throw GcsError.invalid("unknown event type '" + t + "'");
      }
    }
    Config c =
        new Config(
            Integer.toString(nextId++),
            bucket,
            topic,
            prefix,
            eventTypes,
            payloadFormat,
            customAttributes);
    configs.add(c);
    save();
    return c;
  }

  static Config fromJson(JsonNode n, String bucket, String id) {
    List<String> types = new ArrayList<>();
    n.path("event_types").forEach(t -> types.add(t.asText()));
    Map<String, String> attrs = new TreeMap<>();
    n.path("custom_attributes")
        .fields()
        .forEachRemaining(e -> attrs.put(e.getKey(), e.getValue().asText()));
    String topic = n.path("topic").asText().replaceFirst("^//pubsub\\.googleapis\\.com/", "");
    return new Config(
        id,
        bucket,
        topic,
        n.path("object_name_prefix").asText(""),
        types,
        n.path("payload_format").asText("JSON_API_V1"),
        attrs);
  }

  public synchronized List<Config> list(String bucket) {
    return configs.stream().filter(c -> c.bucket().equals(bucket)).toList();
  }

  /** Removes every config of a bucket (a restarted local-cloud sets its own again). */
  public synchronized void clear(String bucket) throws IOException {
    configs.removeIf(c -> c.bucket().equals(bucket));
    save();
  }

  synchronized boolean remove(String bucket, String id) throws IOException {
    boolean removed = configs.removeIf(c -> c.bucket().equals(bucket) && c.id().equals(id));
    save();
    return removed;
  }

  private void save() throws IOException {
    ArrayNode a = LocalJson.MAPPER.createArrayNode();
    for (Config c : configs) {
      ObjectNode o = c.toResource();
      o.put("bucket", c.bucket());
      a.add(o);
    }
    Files.createDirectories(file.getParent());
    Files.write(file, LocalJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(a));
  }

  /** Queues one message per config that wants this change. */
  void onChange(DiskStore.Change c) {
    List<Config> matching;
    synchronized (this) {
      matching = configs.stream().filter(x -> x.wants(c)).toList();
    }
    Instant when = Instant.now();
    for (Config cfg : matching) {
      ObjectNode msg = message(cfg, c, when);
      queued.incrementAndGet();
      sender.execute(
          () -> {
            try {
              publish(cfg.topic(), msg);
            } finally {
              settled.incrementAndGet();
            }
          });
    }
  }

  private static ObjectNode message(Config cfg, DiskStore.Change c, Instant when) {
    ObjectMeta o = c.object();
    ObjectNode msg = LocalJson.MAPPER.createObjectNode();
    ObjectNode attrs = msg.putObject("attributes");
    cfg.customAttributes().forEach(attrs::put);
    attrs.put(
        "notificationConfig",
        "projects/_/buckets/" + o.bucket() + "/notificationConfigs/" + cfg.id());
    attrs.put("eventType", c.eventType());
    attrs.put("payloadFormat", cfg.payloadFormat());
    attrs.put("bucketId", o.bucket());
    attrs.put("objectId", o.name());
    attrs.put("objectGeneration", Long.toString(o.generation()));
    attrs.put("eventTime", when.toString());
    if (c.otherGeneration() != null) {
      attrs.put(
          c.eventType().equals("OBJECT_FINALIZE")
              ? "overwroteGeneration"
              : "overwrittenByGeneration",
          Long.toString(c.otherGeneration()));
    }
    String data = "";
    if (cfg.payloadFormat().equals("JSON_API_V1")) {
      String json = o.toResource("https://www.googleapis.com").toString();
      data = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
    msg.put("data", data);
    return msg;
  }

  private void publish(String topic, ObjectNode msg) {
    ObjectNode body = LocalJson.MAPPER.createObjectNode();
    body.putArray("messages").add(msg);
    URI uri = URI.create("http://" + pubsubHost + "/v1/" + topic + ":publish");
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          published.incrementAndGet();
          return;
        }
        System.err.println(
            "localgcs: publishing to " + topic + " answered " + r.statusCode() + ": " + r.body());
        if (r.statusCode() == 404 || attempt >= 30) {
          return; // a deleted topic drops its messages, as in Cloud Storage
        }
      } catch (IOException e) {
        if (attempt >= 30) {
          System.err.println("localgcs: gave up publishing to " + topic + ": " + e);
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(Math.min(5000, 100L * attempt));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Messages the emulator accepted so far, over all topics: with {@link #pending()} at 0 it is
   * exactly what subscribers can ever receive from the changes made until then.
   */
  public long published() {
    return published.get();
  }

  /** Messages queued (one per change a config wants) and not yet published or given up on. */
  public long pending() {
    return queued.get() - settled.get();
  }

  /** Waits for queued messages to go out. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      sender.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
