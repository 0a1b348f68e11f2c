package dev.splitflow.functions.runs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Run ids and job names, derived from the marker so every delivery of one marker generation agrees
 * on them without talking to each other.
 */
public final class RunIds {
  private RunIds() {}

  /** Dataflow's job name rule. */
  public static final String JOB_NAME_RULE = "[a-z]([-a-z0-9]{0,1022}[a-z0-9])?";

  /** {@code sf-} and 20 hex digits of SHA-256 of {@code bucket/name#generation}. */
  public static String runId(String bucket, String objectName, long generation) {
    return "sf-" + sha256Hex(bucket + "/" + objectName + "#" + generation).substring(0, 20);
  }

  /**
   * {@code splitflow-<folder slug>-<run id hash>}: readable in the console, unique per marker
   * generation, within Dataflow's rule; the slug is cut so the name stays under 100 characters.
   */
  public static String jobName(String folder, String runId) {
    String slug =
        folder.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.length() > 60) {
      slug = slug.substring(slug.length() - 60).replaceAll("^-+", "");
    }
    String hash = runId.substring(runId.indexOf('-') + 1);
    String name = "splitflow-" + (slug.isEmpty() ? "" : slug + "-") + hash;
    if (!name.matches(JOB_NAME_RULE)) {
      throw new IllegalStateException(
          "job name " + name + " breaks Dataflow's rule " + JOB_NAME_RULE);
    }
    return name;
  }

  public static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
