package dev.splitflow.functions.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.storage.Blob;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;

/** CloudEvents shaped as Eventarc delivers them. */
public final class Events {
  private Events() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode object(Blob b) {
    ObjectNode o = JSON.createObjectNode();
    o.put("bucket", b.getBucket());
    o.put("name", b.getName());
    o.put("generation", Long.toString(b.getGeneration()));
    o.put("metageneration", "1");
    o.put("size", Long.toString(b.getSize()));
    o.put("crc32c", b.getCrc32c());
    o.put("contentType", "application/octet-stream");
    return o;
  }

  /** A direct Eventarc Cloud Storage finalize event. */
  public static CloudEvent finalized(Blob b, Instant time) {
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withType("google.cloud.storage.object.v1.finalized")
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/" + b.getBucket()))
        .withSubject("objects/" + b.getName())
        .withTime(time.atOffset(ZoneOffset.UTC))
        .withDataContentType("application/json")
        .withData(object(b).toString().getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** A Pub/Sub message of a Cloud Storage notification (JSON_API_V1), as Eventarc delivers it. */
  public static CloudEvent notification(Blob b, Instant time) {
    ObjectNode data = JSON.createObjectNode();
    ObjectNode message = data.putObject("message");
    message.put(
        "data",
        Base64.getEncoder().encodeToString(object(b).toString().getBytes(StandardCharsets.UTF_8)));
    message.put("messageId", Long.toString(System.nanoTime()));
    message.put("publishTime", time.toString());
    ObjectNode a = message.putObject("attributes");
    a.put("bucketId", b.getBucket());
    a.put("objectId", b.getName());
    a.put("objectGeneration", Long.toString(b.getGeneration()));
    a.put("eventType", "OBJECT_FINALIZE");
    a.put("eventTime", time.toString());
    a.put("payloadFormat", "JSON_API_V1");
    a.put("notificationConfig", "projects/_/buckets/" + b.getBucket() + "/notificationConfigs/1");
    data.put("subscription", "projects/p/subscriptions/eventarc-markers");
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withType("google.cloud.pubsub.topic.v1.messagePublished")
        .withSource(URI.create("//pubsub.googleapis.com/projects/p/topics/markers"))
        .withTime(time.atOffset(ZoneOffset.UTC))
        .withDataContentType("application/json")
        .withData(data.toString().getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** A Dataflow job status change. */
  public static CloudEvent jobStatus(
      String jobId, String jobName, String state, String runId, Instant time) {
    ObjectNode data = JSON.createObjectNode();
    ObjectNode job = data.putObject("payload");
    job.put("id", jobId);
    job.put("name", jobName);
    job.put("projectId", "p");
    job.put("location", "europe-west4");
    job.put("currentState", state);
    job.put("currentStateTime", time.toString());
    if (runId != null) {
      job.putObject("labels").put("splitflow_run", runId);
    }
    return CloudEventBuilder.v1()
        .withId(UUID.randomUUID().toString())
        .withType("google.cloud.dataflow.job.v1beta3.statusChanged")
        .withSource(URI.create("//dataflow.googleapis.com/projects/p/locations/europe-west4"))
        .withSubject("jobs/" + jobName)
        .withExtension("job", jobName)
        .withTime(time.atOffset(ZoneOffset.UTC))
        .withDataContentType("application/json")
        .withData(data.toString().getBytes(StandardCharsets.UTF_8))
        .build();
  }
}
