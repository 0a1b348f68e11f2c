package dev.splitflow.functions.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A Dataflow job status change ({@code google.cloud.dataflow.job.v1beta3.statusChanged}); data is a
 * {@code JobEventData} whose {@code payload} is the Job.
 *
 * @param jobId the job id
 * @param jobName the job name
 * @param state {@code JOB_STATE_...}
 * @param runId our run label, or null for jobs splitflow did not launch
 * @param time when the state changed
 */
public record JobEvent(String jobId, String jobName, String state, String runId, Instant time) {

  public static final String TYPE = "google.cloud.dataflow.job.v1beta3.statusChanged";

  /** {@link #from(CloudEvent, String, Clock)} with the system clock. */
  public static Optional<JobEvent> from(CloudEvent e, String runLabel) {
    return from(e, runLabel, Clock.systemUTC());
  }

  /**
   * The job status change {@code e} carries, or empty for another event type. Its time is the
   * event's, else the job's {@code currentStateTime}, else {@code clock}'s now.
   */
  public static Optional<JobEvent> from(CloudEvent e, String runLabel, Clock clock) {
    if (!TYPE.equals(e.getType())) {
      return Optional.empty();
    }
    JsonNode data = ObjectEvent.data(e);
    JsonNode job = data.has("payload") ? data.get("payload") : data;
    String id = job.path("id").asText("");
    String state = job.path("currentState").asText("");
    if (id.isEmpty() || state.isEmpty()) {
      throw new EventException(
          "event " + e.getId() + " (" + TYPE + "): job without id or currentState");
    }
    JsonNode run = job.path("labels").get(runLabel);
    Instant time = e.getTime() != null ? e.getTime().toInstant() : null;
    if (time == null && job.hasNonNull("currentStateTime")) {
      try {
        time = Instant.parse(job.get("currentStateTime").asText());
      } catch (DateTimeParseException ex) {
        throw new EventException(
            "event " + e.getId() + ": bad currentStateTime " + job.get("currentStateTime"));
      }
    }
    return Optional.of(
        new JobEvent(
            id,
            job.path("name").asText(""),
            state,
            run == null || run.isNull() ? null : run.asText(),
            time == null ? clock.instant() : time));
  }

  /** A terminal state in which no manifest will come. */
  public boolean failed() {
    return state.equals("JOB_STATE_FAILED") || state.equals("JOB_STATE_CANCELLED");
  }
}
