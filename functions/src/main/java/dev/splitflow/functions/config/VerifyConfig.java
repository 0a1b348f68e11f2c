package dev.splitflow.functions.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code VerifySplitFunction} reads from its environment, validated at start-up.
 *
 * @param layout where batch folders, outputs and run state live (marker name unused)
 * @param summaryTopic {@code projects/P/topics/T}
 * @param maxEventAge events older than this are dropped
 * @param sampleChunks how many chunks' {@code data.pkl} to open by ranged reads to confirm their
 *     record counts (0: metadata checks only)
 */
public record VerifyConfig(
    Layout layout, String summaryTopic, Duration maxEventAge, int sampleChunks) {

  public static final String SAMPLE_CHUNKS = "SPLITFLOW_SAMPLE_CHUNKS";

  /** The variables a cloud deployment sets (Terraform sets exactly these). */
  public static final List<String> DEPLOYED_VARIABLES =
      List.of(
          LaunchConfig.PROJECT,
          LaunchConfig.REGION,
          LaunchConfig.BUCKET,
          LaunchConfig.DATASETS_PREFIX,
          LaunchConfig.MARKER_NAME,
          LaunchConfig.OUTPUT_FOLDER,
          LaunchConfig.STATE_PREFIX,
          LaunchConfig.SUMMARY_TOPIC,
          LaunchConfig.MAX_EVENT_AGE_SECONDS,
          SAMPLE_CHUNKS);

  public static VerifyConfig fromEnv(Map<String, String> env) {
    Env e = new Env(env);
    Layout layout = Layout.read(e);
    String topic = e.topic(LaunchConfig.SUMMARY_TOPIC);
    Duration age = e.seconds(LaunchConfig.MAX_EVENT_AGE_SECONDS, 3600, 60, 7 * 24 * 3600);
    int sample = e.integer(SAMPLE_CHUNKS, 2, 0, 10_000);
    if (!e.problems().isEmpty()) {
      throw new ConfigException("VerifySplitFunction", e.problems());
    }
    return new VerifyConfig(layout, topic, age, sample);
  }
}
