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
 * @param deepCheckChunks how many chunks to make again from the batch files and the indices and
 *     compare, byte for byte by SHA-256, with the manifest (0, the default: none); a sample seeded
 *     by the run id, every chunk when at least the chunk count
 * @param deepCheckTime no deep-checked chunk is started past this time after the event arrived, so
 *     the delivery ends inside the event-driven function timeout (at most 540 s)
 */
public record VerifyConfig(
    Layout layout,
    String summaryTopic,
    Duration maxEventAge,
    int sampleChunks,
    int deepCheckChunks,
    Duration deepCheckTime) {

  public static final String SAMPLE_CHUNKS = "SPLITFLOW_SAMPLE_CHUNKS";
  public static final String DEEP_CHECK_CHUNKS = "SPLITFLOW_DEEP_CHECK_CHUNKS";
  public static final String DEEP_CHECK_SECONDS = "SPLITFLOW_DEEP_CHECK_SECONDS";

  /** The deep check's default time: the function's 540 s limit less reading and publishing. */
  public static final int DEEP_CHECK_SECONDS_DEFAULT = 300;

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
          SAMPLE_CHUNKS,
          DEEP_CHECK_CHUNKS,
          DEEP_CHECK_SECONDS);

  public static VerifyConfig fromEnv(Map<String, String> env) {
    Env e = new Env(env);
    Layout layout = Layout.read(e);
    String topic = e.topic(LaunchConfig.SUMMARY_TOPIC);
    Duration age = e.seconds(LaunchConfig.MAX_EVENT_AGE_SECONDS, 3600, 60, 7 * 24 * 3600);
    int sample = e.integer(SAMPLE_CHUNKS, 2, 0, 10_000);
    int deep = e.integer(DEEP_CHECK_CHUNKS, 0, 0, 1_000_000);
    Duration deepTime = e.seconds(DEEP_CHECK_SECONDS, DEEP_CHECK_SECONDS_DEFAULT, 10, 480);
    if (!e.problems().isEmpty()) {
      throw new ConfigException("VerifySplitFunction", e.problems());
    }
    return new VerifyConfig(layout, topic, age, sample, deep, deepTime);
  }
}
