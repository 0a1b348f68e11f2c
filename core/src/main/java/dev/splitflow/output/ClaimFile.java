package dev.splitflow.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;

/**
 * The content of an output folder's claim ({@link ChunkNames#CLAIM}) and what a run refused by it
 * says. The split pipeline and the launch function write and read claims through this one class, so
 * either recognises the other's claim and a refusal reads the same whoever holds the folder.
 *
 * <p>A claim holds {@code holder}, {@code run_id} (the launch function's run, when there is one),
 * {@code host}, {@code pid}, {@code user}, {@code started} and a random {@code token}. A claim made
 * for run R is continued, not refused, by whatever else works for run R: the Dataflow job the
 * launch function started, or a redelivery of the same marker event.
 */
public final class ClaimFile {
  private ClaimFile() {}

  /** The claim's JSON, for this process on this host. */
  public static String describe(String holder, String runId, String token) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("holder", holder);
    if (runId != null) {
      o.put("run_id", runId);
    }
    o.put("host", host());
    o.put("pid", ProcessHandle.current().pid());
    o.put("user", System.getProperty("user.name", ""));
    o.put("started", Instant.now().toString());
    o.put("token", token);
    return Json.writePretty(o) + "\n";
  }

  public static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The claim's fields; an empty object for bytes that are not a JSON object. */
  public static JsonNode parse(byte[] bytes) {
    try {
      // Lenient on purpose, as before: a claim is only asked for its holder and token, and one
      // that cannot be read is treated as no claim of this run's.
      JsonNode n = Json.lenientReader().readTree(bytes);
      return n == null || !n.isObject() ? Json.MAPPER.createObjectNode() : n;
    } catch (IOException e) {
      return Json.MAPPER.createObjectNode();
    }
  }

  /** The claim's token, or empty. */
  public static String token(byte[] bytes) {
    return parse(bytes).path("token").asText("");
  }

  /** Whether the claim was made for run {@code runId} (never for a null or blank id). */
  public static boolean isForRun(byte[] bytes, String runId) {
    return runId != null && !runId.isBlank() && runId.equals(parse(bytes).path("run_id").asText());
  }

  /**
   * What a run refused by the claim {@code raw} at {@code path} says: who holds the folder, that
   * nothing was changed, and how to clear the claim once its holder is gone.
   */
  public static String refusal(String folder, String path, byte[] raw) {
    JsonNode held = parse(raw);
    String who =
        held.has("holder")
            ? held.path("holder").asText()
                + " (process "
                + held.path("pid").asText()
                + " on host "
                + held.path("host").asText()
                + ", user "
                + held.path("user").asText()
                + ", started "
                + held.path("started").asText()
                + ")"
            : "an unreadable claim (" + raw.length + " bytes)";
    return folder
        + " is claimed by another run: "
        + who
        + ". Nothing was changed. Wait for that run to end; if it is no longer running (a"
        + " killed run on another host, a failed Dataflow job), delete "
        + path
        + " and run again (docs/operations.md, \"Output claims\").";
  }
}
