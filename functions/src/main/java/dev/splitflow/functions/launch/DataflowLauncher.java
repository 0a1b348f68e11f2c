package dev.splitflow.functions.launch;

import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.dataflow.Dataflow;
import com.google.api.services.dataflow.DataflowScopes;
import com.google.api.services.dataflow.model.FlexTemplateRuntimeEnvironment;
import com.google.api.services.dataflow.model.Job;
import com.google.api.services.dataflow.model.LaunchFlexTemplateParameter;
import com.google.api.services.dataflow.model.LaunchFlexTemplateRequest;
import com.google.api.services.dataflow.model.LaunchFlexTemplateResponse;
import com.google.api.services.dataflow.model.ListJobsResponse;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Starts the split as a Dataflow Flex Template job through the Dataflow v1b3 REST API ({@code
 * projects.locations.flexTemplates.launch}).
 *
 * <p>Idempotent by job name: Dataflow answers HTTP 409 ({@code ALREADY_EXISTS}) when a job of the
 * same name is active in the project and region; the launcher then finds that job with {@code
 * projects.locations.jobs.list?name=...} and returns it with {@link LaunchedJob#alreadyActive()}
 * set. This also makes a retry after a timeout safe: if the first launch did start a job, the retry
 * gets the 409 and returns it.
 *
 * <p>Errors become {@link LaunchException}s ({@link LaunchErrors}): retryable for 408, 429, 5xx and
 * for failures without an HTTP answer; not retryable for the other 4xx and for requests the
 * launcher refuses itself (bad job name or labels).
 */
public final class DataflowLauncher implements SplitLauncher {

  /** Connect timeout of each HTTP request made by {@link #create}. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Read timeout of each HTTP request made by {@link #create}. A flex launch usually answers in a
   * few seconds; a timed out launch is retried and the retry finds the job by name if it started.
   */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  static final String APPLICATION_NAME = "splitflow-functions";

  /** Dataflow job names: lowercase, starts with a letter, ends alphanumeric, hyphens inside. */
  private static final Pattern JOB_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,1022}[a-z0-9])?");

  /** GCP label keys: 1-63 lowercase letters, digits, '_' and '-', starting with a letter. */
  private static final Pattern LABEL_KEY =
      Pattern.compile("[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{Nd}_-]*");

  /** GCP label values: 0-63 characters, lowercase letters, digits, '_' and '-'. */
  private static final Pattern LABEL_VALUE = Pattern.compile("[\\p{Ll}\\p{Lo}\\p{Nd}_-]*");

  private static final int MAX_LABEL_LENGTH = 63;
  private static final int MAX_LABELS = 64;
  private static final int MAX_LIST_PAGES = 100;

  /**
   * How far back a job found with filter {@code ALL} (not active any more) may have changed state
   * and still be the job that was active when Dataflow answered 409. Generous, for clock skew;
   * older jobs of the same name are earlier runs and are never returned.
   */
  private static final Duration ENDED_JOB_WINDOW = Duration.ofMinutes(10);

  private final Dataflow client;
  private final DataflowSettings settings;
  private final int lookupAttempts;
  private final Duration lookupDelay;
  private final Clock clock;
  private final LaunchErrors errors;

  /**
   * A launcher on an already built client, e.g. one with other credentials or pointed at a local
   * fake. The client's own request initializer decides credentials and timeouts.
   */
  public DataflowLauncher(Dataflow client, DataflowSettings settings) {
    this(client, settings, 3, Duration.ofSeconds(1));
  }

  /**
   * @param lookupAttempts how many times the name lookup after a 409 is tried before giving up (the
   *     job list can lag behind the launch of a concurrent caller)
   * @param lookupDelay the pause before the second lookup; doubled for each further one
   */
  DataflowLauncher(
      Dataflow client, DataflowSettings settings, int lookupAttempts, Duration lookupDelay) {
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    if (lookupAttempts < 1) {
      throw new IllegalArgumentException("lookupAttempts must be at least 1");
    }
    this.lookupAttempts = lookupAttempts;
    this.lookupDelay = Objects.requireNonNull(lookupDelay, "lookupDelay");
    this.clock = Clock.systemUTC();
    this.errors = new LaunchErrors(settings, client.getRootUrl());
  }

  /**
   * The launcher of a Cloud Function: application default credentials scoped for Dataflow, the API
   * at {@link DataflowSettings#rootUrl()}, {@link #CONNECT_TIMEOUT} and {@link #READ_TIMEOUT}.
   *
   * @throws IOException when there are no application default credentials
   */
  public static DataflowLauncher create(DataflowSettings settings) throws IOException {
    GoogleCredentials credentials;
    try {
      credentials = GoogleCredentials.getApplicationDefault().createScoped(DataflowScopes.all());
    } catch (IOException e) {
      throw new IOException(
          "no Google application default credentials to launch Dataflow jobs with: "
              + e.getMessage(),
          e);
    }
    return create(settings, new HttpCredentialsAdapter(credentials));
  }

  /**
   * A launcher with the given credentials (null: none, for a local fake of the API) and the default
   * timeouts.
   */
  public static DataflowLauncher create(
      DataflowSettings settings, HttpRequestInitializer credentials) {
    return new DataflowLauncher(
        newClient(settings, credentials, CONNECT_TIMEOUT, READ_TIMEOUT), settings);
  }

  /**
   * A Dataflow REST client on {@link DataflowSettings#rootUrl()} whose requests carry the given
   * credentials (null: none) and time out as given.
   */
  public static Dataflow newClient(
      DataflowSettings settings,
      HttpRequestInitializer credentials,
      Duration connectTimeout,
      Duration readTimeout) {
    int connectMillis = Math.toIntExact(connectTimeout.toMillis());
    int readMillis = Math.toIntExact(readTimeout.toMillis());
    HttpRequestInitializer initializer =
        request -> {
          if (credentials != null) {
            credentials.initialize(request);
          }
          request.setConnectTimeout(connectMillis);
          request.setReadTimeout(readMillis);
        };
    String rootUrl =
        settings.rootUrl().endsWith("/") ? settings.rootUrl() : settings.rootUrl() + "/";
    return new Dataflow.Builder(
            new NetHttpTransport(), GsonFactory.getDefaultInstance(), initializer)
        .setRootUrl(rootUrl)
        .setApplicationName(APPLICATION_NAME)
        .build();
  }

  @Override
  public LaunchedJob launch(LaunchRequest request) throws LaunchException {
    String jobName = request.jobName();
    if (!JOB_NAME.matcher(jobName).matches()) {
      throw errors.refused(
          request,
          "job name '"
              + jobName
              + "' is not a valid Dataflow job name: 1-1024 characters, lowercase letters, digits"
              + " and '-', starting with a letter and ending with a letter or digit");
    }
    Map<String, String> labels = labels(request);

    FlexTemplateRuntimeEnvironment environment =
        new FlexTemplateRuntimeEnvironment()
            .setTempLocation(settings.tempLocation())
            .setStagingLocation(settings.stagingLocation())
            .setServiceAccountEmail(settings.workerServiceAccount())
            .setMaxWorkers(settings.maxWorkers())
            .setMachineType(settings.machineType())
            .setAdditionalUserLabels(labels);
    if (settings.privateIps()) {
      environment.setIpConfiguration("WORKER_IP_PRIVATE");
    }
    if (settings.subnetwork() != null) {
      environment.setSubnetwork(settings.subnetwork());
    }
    if (settings.launcherMachineType() != null) {
      environment.setLauncherMachineType(settings.launcherMachineType());
    }
    LaunchFlexTemplateRequest body =
        new LaunchFlexTemplateRequest()
            .setLaunchParameter(
                new LaunchFlexTemplateParameter()
                    .setJobName(jobName)
                    .setContainerSpecGcsPath(settings.templateSpec())
                    .setParameters(new LinkedHashMap<>(request.parameters()))
                    .setEnvironment(environment));

    LaunchFlexTemplateResponse response;
    try {
      response =
          client
              .projects()
              .locations()
              .flexTemplates()
              .launch(settings.project(), settings.region(), body)
              .execute();
    } catch (HttpResponseException e) {
      if (e.getStatusCode() == 409) {
        return alreadyActive(request, e);
      }
      throw errors.httpFailure("launch", request, e);
    } catch (IOException e) {
      throw errors.noAnswer("launch", request, e);
    }

    Job job = response == null ? null : response.getJob();
    if (job == null || job.getId() == null || job.getId().isEmpty()) {
      throw errors.noJobInAnswer(jobName, response);
    }
    return new LaunchedJob(job.getId(), jobName, false, settings.consoleUrl(job.getId()));
  }

  /** The request's labels plus the run label, checked against the GCP label rules. */
  private Map<String, String> labels(LaunchRequest request) throws LaunchException {
    Map<String, String> labels = new LinkedHashMap<>(request.labels());
    labels.put(LaunchRequest.RUN_LABEL, request.runId());
    if (labels.size() > MAX_LABELS) {
      throw errors.refused(
          request, "too many job labels: " + labels.size() + ", at most " + MAX_LABELS);
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      String key = label.getKey();
      String value = label.getValue() == null ? "" : label.getValue();
      if (key.codePointCount(0, key.length()) > MAX_LABEL_LENGTH
          || !LABEL_KEY.matcher(key).matches()) {
        throw errors.refused(
            request,
            "job label key '"
                + key
                + "' is not a valid label key: 1-63 lowercase letters, digits, '_' and '-',"
                + " starting with a letter");
      }
      if (value.codePointCount(0, value.length()) > MAX_LABEL_LENGTH
          || !LABEL_VALUE.matcher(value).matches()) {
        throw errors.refused(
            request,
            "job label "
                + key
                + "='"
                + value
                + "' has an invalid value: at most 63 lowercase letters, digits, '_' and '-'");
      }
    }
    return labels;
  }

  /** A 409: the job of this name is active; find it. */
  private LaunchedJob alreadyActive(LaunchRequest request, HttpResponseException conflict)
      throws LaunchException {
    Instant conflictAt = clock.instant();
    Duration delay = lookupDelay;
    for (int attempt = 1; attempt <= lookupAttempts; attempt++) {
      if (attempt > 1) {
        sleep(delay);
        delay = delay.multipliedBy(2);
      }
      Job job;
      try {
        job = find(request.jobName(), "ACTIVE", null);
        if (job == null) {
          // Ended between the 409 and now: the most recent job of the name, if it changed state
          // since about the 409 (an older one is an earlier run, not the job that was active).
          job = find(request.jobName(), "ALL", conflictAt.minus(ENDED_JOB_WINDOW));
        }
      } catch (HttpResponseException e) {
        throw errors.httpFailure("look up (after HTTP 409 on launch)", request, e);
      } catch (IOException e) {
        throw errors.noAnswer("look up (after HTTP 409 on launch)", request, e);
      }
      if (job != null) {
        return new LaunchedJob(
            job.getId(), request.jobName(), true, settings.consoleUrl(job.getId()));
      }
    }
    throw errors.notFoundAfterConflict(request, conflict, lookupAttempts);
  }

  /**
   * The most recent job (by create time) named exactly {@code jobName} among the jobs of {@code
   * filter}, or null; with {@code changedSince}, only jobs whose state changed at or after it.
   */
  private Job find(String jobName, String filter, Instant changedSince) throws IOException {
    Job best = null;
    String pageToken = null;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
      Dataflow.Projects.Locations.Jobs.List list =
          client
              .projects()
              .locations()
              .jobs()
              .list(settings.project(), settings.region())
              .setFilter(filter)
              .setName(jobName);
      if (pageToken != null) {
        list.setPageToken(pageToken);
      }
      ListJobsResponse response = list.execute();
      if (response.getJobs() != null) {
        for (Job job : response.getJobs()) {
          if (!jobName.equals(job.getName()) || job.getId() == null) {
            continue;
          }
          if (changedSince != null) {
            Instant changed = instant(job.getCurrentStateTime());
            if (changed == null || changed.isBefore(changedSince)) {
              continue;
            }
          }
          if (best == null || newer(job, best)) {
            best = job;
          }
        }
      }
      pageToken = response.getNextPageToken();
      if (pageToken == null || pageToken.isEmpty()) {
        break;
      }
    }
    return best;
  }

  private static boolean newer(Job a, Job b) {
    Instant ta = instant(a.getCreateTime());
    Instant tb = instant(b.getCreateTime());
    if (ta == null || tb == null) {
      return ta != null;
    }
    return ta.isAfter(tb);
  }

  private static Instant instant(String time) {
    if (time == null || time.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static void sleep(Duration d) throws LaunchException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted while looking up a Dataflow job", true, 0, e);
    }
  }
}
