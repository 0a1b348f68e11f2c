package dev.splitflow.functions.config;

import static dev.splitflow.functions.config.LaunchConfigEnvs.minimalDataflowEnv;
import static dev.splitflow.functions.config.LaunchConfigEnvs.oneProblem;
import static dev.splitflow.functions.config.LaunchConfigEnvs.with;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LaunchConfig#fromEnv} refusing bad values, each alone and named: bucket, prefixes, names,
 * numbers out of range, booleans, topics, {@code gs://} URIs, accounts, endpoints, default options
 * and the launcher.
 */
class LaunchConfigBadValuesTest {
  @Test
  void bucketWithScheme() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.BUCKET, "gs://my-data"),
        LaunchConfig.BUCKET,
        "no gs://",
        "'gs://my-data'");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.BUCKET, "my-data/datasets"), LaunchConfig.BUCKET);
    oneProblem(with(minimalDataflowEnv(), LaunchConfig.BUCKET, "My-Data"), LaunchConfig.BUCKET);
  }

  @Test
  void prefixWithoutTrailingSlash() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DATASETS_PREFIX, "datasets"),
        LaunchConfig.DATASETS_PREFIX,
        "ending in '/'");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DATASETS_PREFIX, "/datasets/"),
        LaunchConfig.DATASETS_PREFIX,
        "no leading '/'");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.OUTPUT_FOLDER, "split"),
        LaunchConfig.OUTPUT_FOLDER);
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.STATE_PREFIX, "_splitflow/runs"),
        LaunchConfig.STATE_PREFIX);
  }

  @Test
  void markerNameWithSlash() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MARKER_NAME, "done/_BATCHES_COMPLETE"),
        LaunchConfig.MARKER_NAME,
        "without '/'");
  }

  @Test
  void maxWorkersOutOfRange() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "0"),
        LaunchConfig.MAX_WORKERS,
        "between 1 and 1000",
        "got 0");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "1001"),
        LaunchConfig.MAX_WORKERS,
        "between 1 and 1000",
        "got 1001");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "ten"),
        LaunchConfig.MAX_WORKERS,
        "an integer",
        "'ten'");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_WORKERS, "99999999999"),
        LaunchConfig.MAX_WORKERS);
  }

  @Test
  void otherNumbersOutOfRange() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_EVENT_AGE_SECONDS, "59"),
        LaunchConfig.MAX_EVENT_AGE_SECONDS,
        "between 60 and 604800");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.MAX_EVENT_AGE_SECONDS, "1h"),
        LaunchConfig.MAX_EVENT_AGE_SECONDS,
        "a number of seconds");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.INDICES_MAX_BATCH_FILES, "-1"),
        LaunchConfig.INDICES_MAX_BATCH_FILES);
  }

  @Test
  void badBoolean() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.PRIVATE_IPS, "yes"),
        LaunchConfig.PRIVATE_IPS,
        "true or false",
        "'yes'");
    oneProblem(with(minimalDataflowEnv(), LaunchConfig.PRIVATE_IPS, "1"), LaunchConfig.PRIVATE_IPS);
  }

  @Test
  void badTopic() {
    for (String t :
        List.of(
            "splitflow-summaries",
            "projects/p/topics/",
            "projects/p/subscriptions/s",
            "//pubsub.googleapis.com/projects/p/topics/t",
            "projects/p/topics/t/extra",
            "projects/p/topics/s",
            "projects/p/topics/1summaries")) {
      oneProblem(
          with(minimalDataflowEnv(), LaunchConfig.SUMMARY_TOPIC, t),
          LaunchConfig.SUMMARY_TOPIC,
          "projects/PROJECT/topics/TOPIC");
    }
  }

  @Test
  void badGcsUris() {
    for (String v :
        List.of(
            LaunchConfig.TEMPLATE_SPEC,
            LaunchConfig.TEMP_LOCATION,
            LaunchConfig.STAGING_LOCATION)) {
      for (String uri :
          List.of(
              "my-templates/spec.json",
              "gs:/my-templates/spec.json",
              "https://storage.googleapis.com/b/o",
              "gs://",
              "gs://UPPER/x",
              "/tmp/x")) {
        oneProblem(with(minimalDataflowEnv(), v, uri), v, "gs://bucket/path URI", uri);
      }
    }
  }

  @Test
  void badServiceAccount() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.WORKER_SERVICE_ACCOUNT, "worker"),
        LaunchConfig.WORKER_SERVICE_ACCOUNT,
        "service account e-mail");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.WORKER_SERVICE_ACCOUNT, "me@gmail.com"),
        LaunchConfig.WORKER_SERVICE_ACCOUNT);
  }

  @Test
  void badEndpoint() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DATAFLOW_ENDPOINT, "dataflow.googleapis.com"),
        LaunchConfig.DATAFLOW_ENDPOINT,
        "http(s) URL");
  }

  @Test
  void defaultOptionsInvalidJson() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DEFAULT_OPTIONS, "{seed: 7}"),
        LaunchConfig.DEFAULT_OPTIONS,
        "not valid JSON",
        "line 1");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DEFAULT_OPTIONS, "{\"train_ratio\": 0.5}"),
        LaunchConfig.DEFAULT_OPTIONS,
        "did you mean 'trainRatio'");
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DEFAULT_OPTIONS, "{\"chunkSize\": 0}"),
        LaunchConfig.DEFAULT_OPTIONS,
        "chunkSize");
  }

  @Test
  void defaultOptionsWithExpectedBatchCount() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.DEFAULT_OPTIONS, "{\"expectedBatchCount\": 10}"),
        LaunchConfig.DEFAULT_OPTIONS,
        "expectedBatchCount belongs in a marker");
  }

  @Test
  void unknownLauncher() {
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.LAUNCHER, "kubernetes"),
        LaunchConfig.LAUNCHER,
        "dataflow or local",
        "'kubernetes'");
    // Case matters: Terraform writes it lowercase.
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.LAUNCHER, "Dataflow"), LaunchConfig.LAUNCHER);
  }

  @Test
  void statePrefixInsideDatasetsPrefix() {
    Map<String, String> env = with(minimalDataflowEnv(), LaunchConfig.DATASETS_PREFIX, "data/");
    env.put(LaunchConfig.STATE_PREFIX, "data/_splitflow/");
    oneProblem(env, LaunchConfig.STATE_PREFIX, "must lie outside", "'data/'");
    env.put(LaunchConfig.STATE_PREFIX, "data/");
    oneProblem(env, LaunchConfig.STATE_PREFIX, "must lie outside");
    env.put(LaunchConfig.STATE_PREFIX, "data2/");
    assertEquals("data2/", LaunchConfig.fromEnv(env).layout().statePrefix());
  }

  @Test
  void datasetsPrefixInsideStatePrefix() {
    // Every marker would lie in the state area and be ignored as not watched.
    Map<String, String> env = with(minimalDataflowEnv(), LaunchConfig.STATE_PREFIX, "_splitflow/");
    env.put(LaunchConfig.DATASETS_PREFIX, "_splitflow/data/");
    oneProblem(env, LaunchConfig.DATASETS_PREFIX, "must lie outside", "'_splitflow/'");
  }

  @Test
  void outputFolderCannotBeEmptyOrRoot() {
    // "" is unset, so the default applies; "/" is a bad prefix.
    assertEquals(
        Layout.DEFAULT_OUTPUT_FOLDER,
        LaunchConfig.fromEnv(with(minimalDataflowEnv(), LaunchConfig.OUTPUT_FOLDER, ""))
            .layout()
            .outputFolder());
    oneProblem(
        with(minimalDataflowEnv(), LaunchConfig.OUTPUT_FOLDER, "/"), LaunchConfig.OUTPUT_FOLDER);
  }
}
