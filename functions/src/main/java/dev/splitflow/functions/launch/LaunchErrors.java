package dev.splitflow.functions.launch;

import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import com.google.api.services.dataflow.model.LaunchFlexTemplateResponse;
import java.io.IOException;

/**
 * The {@link LaunchException}s of {@link DataflowLauncher}: retryable for 408, 429, 5xx and for
 * failures without an HTTP answer (timeouts, refused connections, unknown host: {@code httpStatus}
 * 0); not retryable for the other 4xx and for requests the launcher refuses itself (bad job name or
 * labels). Messages name the job, the template spec, the project and region, the HTTP status and
 * Dataflow's own error message, with a hint for 400, 401, 403, 404 and 429.
 */
final class LaunchErrors {
  private final DataflowSettings settings;
  private final String rootUrl;

  /**
   * @param settings the launcher's settings, named in every message
   * @param rootUrl the API root the launcher's client calls, named when it did not answer
   */
  LaunchErrors(DataflowSettings settings, String rootUrl) {
    this.settings = settings;
    this.rootUrl = rootUrl;
  }

  /** Dataflow answered a launch with success but without a job id. */
  LaunchException noJobInAnswer(String jobName, LaunchFlexTemplateResponse response) {
    return new LaunchException(
        "Dataflow answered the launch of job '"
            + jobName
            + "'"
            + fromTemplate()
            + " without a job: "
            + (response == null ? "no body" : response.toString()),
        false,
        200,
        null);
  }

  /** Dataflow answered 409, but no job of the name turned up in {@code attempts} lookups. */
  LaunchException notFoundAfterConflict(
      LaunchRequest request, HttpResponseException conflict, int attempts) {
    return new LaunchException(
        "Dataflow answered HTTP 409 to the launch of job '"
            + request.jobName()
            + "'"
            + fromTemplate()
            + ": "
            + dataflowMessage(conflict)
            + "; but no job of that name was found by name lookup after "
            + attempts
            + " attempt(s) (it probably ended in between); launching again will start a new one",
        true,
        409,
        conflict);
  }

  /** A request the launcher refuses itself, before any call. */
  LaunchException refused(LaunchRequest request, String why) {
    return new LaunchException(
        "not launching job '"
            + request.jobName()
            + "' (run "
            + request.runId()
            + ", template "
            + settings.templateSpec()
            + "): "
            + why,
        false,
        0,
        null);
  }

  /** Dataflow answered {@code what} with an HTTP error. */
  LaunchException httpFailure(String what, LaunchRequest request, HttpResponseException e) {
    int status = e.getStatusCode();
    boolean retryable = retryable(status);
    StringBuilder message =
        new StringBuilder()
            .append("Dataflow ")
            .append(what)
            .append(" of job '")
            .append(request.jobName())
            .append("'")
            .append(fromTemplate())
            .append(" failed: HTTP ")
            .append(status);
    if (e.getStatusMessage() != null && !e.getStatusMessage().isEmpty()) {
      message.append(' ').append(e.getStatusMessage());
    }
    message.append(": ").append(dataflowMessage(e));
    String hint = hint(status);
    if (hint != null) {
      message.append(". ").append(hint);
    }
    message.append(retryable ? " (retryable)" : " (not retryable)");
    return new LaunchException(message.toString(), retryable, status, e);
  }

  /** Dataflow did not answer {@code what} (timeout, refused connection, unknown host). */
  LaunchException noAnswer(String what, LaunchRequest request, IOException e) {
    return new LaunchException(
        "no answer from Dataflow at "
            + rootUrl
            + " to the "
            + what
            + " of job '"
            + request.jobName()
            + "'"
            + fromTemplate()
            + ": "
            + e
            + " (retryable; if the launch reached Dataflow, the retry finds the job by name)",
        true,
        0,
        e);
  }

  /** Where a launch went: " from template T (project P, region R)", in every message. */
  private String fromTemplate() {
    return " from template "
        + settings.templateSpec()
        + " (project "
        + settings.project()
        + ", region "
        + settings.region()
        + ")";
  }

  static boolean retryable(int status) {
    return status == 408 || status == 429 || status >= 500;
  }

  private String hint(int status) {
    return switch (status) {
      case 400 ->
          "Hint: Dataflow rejected the request; check the template parameters against the"
              + " template's metadata.json, the job name, the labels and the environment"
              + " (tempLocation and stagingLocation must be gs:// paths, the machine types and"
              + " subnetwork must exist in region "
              + settings.region()
              + ")";
      case 401 ->
          "Hint: the function's credentials were not accepted; check the service account the"
              + " function runs as";
      case 403 ->
          "Hint: the service account this function runs as needs roles/dataflow.developer on"
              + " project "
              + settings.project()
              + " and roles/iam.serviceAccountUser on the worker service account "
              + settings.workerServiceAccount()
              + " (and read access to the template spec), and the Dataflow API must be enabled";
      case 404 ->
          "Hint: the template spec "
              + settings.templateSpec()
              + " or the region "
              + settings.region()
              + " may be wrong (or the project "
              + settings.project()
              + " does not exist)";
      case 429 -> "Hint: Dataflow quota or rate limit; the launch is retried later";
      default -> null;
    };
  }

  /** Dataflow's own error message, or the raw body when it did not answer Google's JSON shape. */
  private static String dataflowMessage(HttpResponseException e) {
    if (e instanceof GoogleJsonResponseException json) {
      GoogleJsonError details = json.getDetails();
      if (details != null && details.getMessage() != null) {
        Object grpcStatus = details.get("status");
        String status = grpcStatus == null ? "" : " [" + grpcStatus + "]";
        return details.getMessage() + status;
      }
    }
    String content = e.getContent();
    if (content == null || content.isBlank()) {
      return "(no error message in the answer)";
    }
    content = content.strip();
    return content.length() > 500 ? content.substring(0, 500) + "..." : content;
  }
}
