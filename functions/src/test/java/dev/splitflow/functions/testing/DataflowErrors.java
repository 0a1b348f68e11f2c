package dev.splitflow.functions.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Dataflow's error answers in Google's JSON error shape, as {@link FakeDataflowServer} sends them:
 * {@code {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}}, with the
 * gRPC status, reason and message Dataflow gives for each HTTP status.
 */
public final class DataflowErrors {
  private DataflowErrors() {}

  /** Google's JSON error body. */
  public static String errorJson(int code, String status, String reason, String message) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    ObjectNode info = error.putArray("errors").addObject();
    info.put("message", message);
    info.put("domain", "global");
    info.put("reason", reason);
    error.put("status", status);
    return root.toString();
  }

  /** Dataflow's answer to launching a name that is active (as seen from the real service). */
  public static String alreadyExistsJson(String jobName) {
    return errorJson(
        409,
        "ALREADY_EXISTS",
        "alreadyExists",
        "("
            + hex()
            + "): There is already an active job named "
            + jobName
            + ". If you want to  submit a second job, try again by setting a different name.");
  }

  /** Google's JSON error body with the gRPC status and reason that go with the HTTP status. */
  static String typical(int status, String message) {
    return errorJson(status, grpcStatus(status), reason(status), message);
  }

  private static String grpcStatus(int status) {
    return switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ALREADY_EXISTS";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "badRequest";
      case 401 -> "authError";
      case 403 -> "forbidden";
      case 404 -> "notFound";
      case 409 -> "alreadyExists";
      case 429 -> "rateLimitExceeded";
      default -> status >= 500 ? "backendError" : "failedPrecondition";
    };
  }

  /** A message such as Dataflow gives with that status. */
  static String defaultMessage(int status) {
    return switch (status) {
      case 400 ->
          "(" + hex() + "): The workflow could not be created. Invalid template parameters.";
      case 401 ->
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login"
              + " cookie or other valid authentication credential.";
      case 403 ->
          "("
              + hex()
              + "): Could not create workflow; user does not have write access to project."
              + " Causes: Permission 'dataflow.jobs.create' denied on project.";
      case 404 -> "(" + hex() + "): Unable to open template file.";
      case 429 ->
          "Quota exceeded for quota metric 'Job creation requests' and limit 'Job creation"
              + " requests per minute per user'.";
      case 503 -> "The service is currently unavailable.";
      default -> status >= 500 ? "Internal error encountered." : "Request failed.";
    };
  }

  /** The hex request id Dataflow puts in front of its messages. */
  static String hex() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }
}
