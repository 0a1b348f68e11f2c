package dev.splitflow.functions.config;

import java.util.Optional;

/**
 * Where things live in the data bucket. A batch folder is any folder under {@code datasetsPrefix};
 * its marker is {@code <folder><markerName>}, its outputs go to {@code <folder><outputFolder>}, and
 * run state lives under {@code statePrefix}, apart from the data so no trigger ever sees it.
 *
 * @param project the Google Cloud project
 * @param region the Dataflow region
 * @param bucket the data bucket
 * @param datasetsPrefix the watched prefix; markers elsewhere are rejected ("" is the whole bucket)
 * @param markerName the marker object's name inside a batch folder
 * @param outputFolder the output folder, relative to the batch folder
 * @param statePrefix where run-state objects live
 */
public record Layout(
    String project,
    String region,
    String bucket,
    String datasetsPrefix,
    String markerName,
    String outputFolder,
    String statePrefix) {

  public static final String DEFAULT_MARKER = "_BATCHES_COMPLETE";
  public static final String DEFAULT_OUTPUT_FOLDER = "split/";
  public static final String DEFAULT_STATE_PREFIX = "_splitflow/runs/";
  public static final String MANIFEST = "_SPLIT_MANIFEST.json";

  static Layout read(Env e) {
    String project = e.required(LaunchConfig.PROJECT, "the Google Cloud project");
    String region = e.required(LaunchConfig.REGION, "the Dataflow region, e.g. europe-west4");
    String bucket = e.bucket(LaunchConfig.BUCKET);
    String datasets = e.prefix(LaunchConfig.DATASETS_PREFIX, "");
    String marker = e.objectName(LaunchConfig.MARKER_NAME, DEFAULT_MARKER);
    String output = e.prefix(LaunchConfig.OUTPUT_FOLDER, DEFAULT_OUTPUT_FOLDER);
    if (output.isEmpty()) {
      e.problems()
          .add(
              LaunchConfig.OUTPUT_FOLDER
                  + " must not be empty: chunks beside the batch files would be read as input");
    }
    String state = e.prefix(LaunchConfig.STATE_PREFIX, DEFAULT_STATE_PREFIX);
    if (state.isEmpty()) {
      e.problems().add(LaunchConfig.STATE_PREFIX + " must be a folder such as _splitflow/runs/");
    } else if (!datasets.isEmpty() && state.startsWith(datasets)) {
      e.problems()
          .add(
              LaunchConfig.STATE_PREFIX
                  + " ('"
                  + state
                  + "') must lie outside "
                  + LaunchConfig.DATASETS_PREFIX
                  + " ('"
                  + datasets
                  + "')");
    } else if (!datasets.isEmpty() && datasets.startsWith(state)) {
      e.problems()
          .add(
              LaunchConfig.DATASETS_PREFIX
                  + " ('"
                  + datasets
                  + "') must lie outside "
                  + LaunchConfig.STATE_PREFIX
                  + " ('"
                  + state
                  + "'): no marker there would ever be watched");
    }
    return new Layout(project, region, bucket, datasets, marker, output, state);
  }

  /** The batch folder of a marker object, or empty when the object is not a marker. */
  public Optional<String> markerFolder(String objectName) {
    if (!objectName.equals(markerName) && !objectName.endsWith("/" + markerName)) {
      return Optional.empty();
    }
    return Optional.of(objectName.substring(0, objectName.length() - markerName.length()));
  }

  /** The batch folder of a manifest object, or empty when the object is not our manifest. */
  public Optional<String> manifestFolder(String objectName) {
    String tail = outputFolder + MANIFEST;
    if (!objectName.equals(tail) && !objectName.endsWith("/" + tail)) {
      return Optional.empty();
    }
    return Optional.of(objectName.substring(0, objectName.length() - tail.length()));
  }

  /** Whether a batch folder lies under the watched prefix (and is not the state area). */
  public boolean watched(String folder) {
    return folder.startsWith(datasetsPrefix) && !folder.startsWith(statePrefix);
  }

  public String outputPrefix(String folder) {
    return folder + outputFolder;
  }

  public String uri(String objectName) {
    return "gs://" + bucket + "/" + objectName;
  }
}
