package dev.splitflow.functions.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.functions.testing.DataflowErrors;
import dev.splitflow.functions.testing.FakeDataflowServer;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DataflowLauncher}, the real REST client over real HTTP, against {@link
 * FakeDataflowServer}.
 */
class DataflowLauncherTest {

  private static final String PROJECT = "my-project";
  private static final String REGION = "europe-west4";
  private static final String SPEC = "gs://splitflow-bucket/templates/split.json";
  private static final String WORKER = "split-worker@my-project.iam.gserviceaccount.com";
  private static final String SUBNET =
      "https://www.googleapis.com/compute/v1/projects/host/regions/europe-west4/subnetworks/sub";
  private static final String LAUNCH_PATH =
      "/v1b3/projects/my-project/locations/europe-west4/flexTemplates:launch";
  private static final String LIST_PATH = "/v1b3/projects/my-project/locations/europe-west4/jobs";
  private static final String JOB = "splitflow-3f9a0c1d2e";
  private static final String LAUNCHER_MACHINE = "n2-highmem-8";
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeDataflowServer server;

  @BeforeEach
  void start() throws Exception {
    server = FakeDataflowServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static DataflowSettings settings(String rootUrl, boolean privateIps, String subnetwork) {
    return settings(rootUrl, privateIps, subnetwork, LAUNCHER_MACHINE);
  }

  private static DataflowSettings settings(
      String rootUrl, boolean privateIps, String subnetwork, String launcherMachineType) {
    return new DataflowSettings(
        PROJECT,
        REGION,
        SPEC,
        "gs://splitflow-bucket/tmp",
        "gs://splitflow-bucket/staging",
        WORKER,
        12,
        "n2-standard-4",
        launcherMachineType,
        privateIps,
        subnetwork,
        rootUrl);
  }

  private static DataflowLauncher launcher(DataflowSettings settings, Duration readTimeout) {
    return new DataflowLauncher(
        DataflowLauncher.newClient(settings, null, Duration.ofSeconds(5), readTimeout),
        settings,
        2,
        Duration.ofMillis(20));
  }

  private DataflowLauncher launcher() {
    return launcher(settings(server.rootUrl(), true, SUBNET), Duration.ofSeconds(10));
  }

  private static LaunchRequest request(String jobName) {
    return new LaunchRequest(
        "run-20260301-abc123",
        jobName,
        Map.of(
            "input", "gs://data/batches/batch_*.pt",
            "output", "gs://data/out/run-20260301-abc123/",
            "seed", "42"),
        Map.of("team", "imaging", "env", "prod"));
  }

  @Test
  void launchSendsWhatDataflowExpects() throws Exception {
    LaunchRequest request = request(JOB);

    LaunchedJob job = launcher().launch(request);

    List<FakeDataflowServer.Request> requests = server.requests();
    assertEquals(1, requests.size());
    FakeDataflowServer.Request sent = requests.get(0);
    assertEquals("POST", sent.method());
    assertEquals(LAUNCH_PATH, sent.path());
    JsonNode parameter = sent.body().path("launchParameter");
    assertEquals(JOB, parameter.path("jobName").asText());
    assertEquals(SPEC, parameter.path("containerSpecGcsPath").asText());
    assertEquals(request.parameters(), JSON.convertValue(parameter.path("parameters"), Map.class));
    JsonNode env = parameter.path("environment");
    assertEquals("gs://splitflow-bucket/tmp", env.path("tempLocation").asText());
    assertEquals("gs://splitflow-bucket/staging", env.path("stagingLocation").asText());
    assertEquals(WORKER, env.path("serviceAccountEmail").asText());
    assertEquals(12, env.path("maxWorkers").asInt());
    assertEquals("n2-standard-4", env.path("machineType").asText());
    // The launcher VM runs the pipeline's main (and the indices the launch function left to it).
    assertEquals(LAUNCHER_MACHINE, env.path("launcherMachineType").asText());
    assertEquals("WORKER_IP_PRIVATE", env.path("ipConfiguration").asText());
    assertEquals(SUBNET, env.path("subnetwork").asText());
    assertEquals(
        Map.of("team", "imaging", "env", "prod", LaunchRequest.RUN_LABEL, "run-20260301-abc123"),
        JSON.convertValue(env.path("additionalUserLabels"), Map.class));
    assertEquals(
        Set.of(
            "tempLocation",
            "stagingLocation",
            "serviceAccountEmail",
            "maxWorkers",
            "machineType",
            "launcherMachineType",
            "ipConfiguration",
            "subnetwork",
            "additionalUserLabels"),
        fieldNames(env));
    assertEquals(
        Set.of("jobName", "containerSpecGcsPath", "parameters", "environment"),
        fieldNames(parameter));
    assertEquals(Set.of("launchParameter"), fieldNames(sent.body()));

    List<JsonNode> jobs = server.jobs();
    assertEquals(1, jobs.size());
    String id = jobs.get(0).path("id").asText();
    assertEquals(
        new LaunchedJob(id, JOB, false, settings(server.rootUrl(), true, SUBNET).consoleUrl(id)),
        job);
    assertEquals(
        "https://console.cloud.google.com/dataflow/jobs/europe-west4/" + id + "?project=my-project",
        job.where());
  }

  @Test
  void publicIpsDefaultSubnetworkAndDefaultLauncherMachineAreLeftOut() throws Exception {
    DataflowSettings settings = settings(server.rootUrl(), false, null, null);

    launcher(settings, Duration.ofSeconds(10)).launch(request(JOB));

    JsonNode env = server.launches().get(0).body().path("launchParameter").path("environment");
    assertFalse(env.has("ipConfiguration"), env.toString());
    assertFalse(env.has("subnetwork"), env.toString());
    assertFalse(env.has("launcherMachineType"), env.toString());
  }

  @Test
  void conflictReturnsTheActiveJobFoundByName() throws Exception {
    String existing = server.addJob(PROJECT, REGION, JOB, "JOB_STATE_RUNNING", Map.of());
    server.addJob(PROJECT, REGION, "other-job", "JOB_STATE_RUNNING", Map.of());
    server.addJob(PROJECT, "us-central1", JOB, "JOB_STATE_RUNNING", Map.of());

    LaunchedJob job = launcher().launch(request(JOB));

    assertEquals(existing, job.jobId());
    assertTrue(job.alreadyActive());
    assertEquals(JOB, job.jobName());
    assertTrue(job.where().contains(existing), job.where());
    assertEquals(1, server.launches().size());
    List<FakeDataflowServer.Request> lists = server.lists();
    assertEquals(1, lists.size());
    assertEquals(LIST_PATH, lists.get(0).path());
    assertEquals("ACTIVE", lists.get(0).query().get("filter"));
    assertEquals(JOB, lists.get(0).query().get("name"));
    assertEquals(1 + 1, server.requests().size());
    assertEquals(3, server.jobs().size(), "no job created");
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void conflictPagesThroughTheListAndTakesTheNewestJobOfTheName(boolean newestFirst)
      throws Exception {
    server.setListPageSize(1);
    server.setListNewestFirst(newestFirst);
    // Two active jobs of one name cannot happen on Dataflow; here they show which one is taken.
    server.addJob(PROJECT, REGION, JOB, "JOB_STATE_RUNNING", Map.of());
    String newest = server.addJob(PROJECT, REGION, JOB, "JOB_STATE_QUEUED", Map.of());
    server.addJob(PROJECT, REGION, JOB + "-2", "JOB_STATE_RUNNING", Map.of());

    LaunchedJob job = launcher().launch(request(JOB));

    assertEquals(newest, job.jobId());
    assertTrue(job.alreadyActive());
    List<FakeDataflowServer.Request> lists = server.lists();
    assertEquals(2, lists.size(), "two pages of one job");
    assertEquals(null, lists.get(0).query().get("pageToken"));
    assertEquals("1", lists.get(1).query().get("pageToken"));
    assertEquals(JOB, lists.get(1).query().get("name"));
  }

  @Test
  void conflictWithAJobThatEndedMeanwhileReturnsIt() throws Exception {
    String ended = server.addJob(PROJECT, REGION, JOB, "JOB_STATE_RUNNING", Map.of());
    server.setJobState(ended, "JOB_STATE_DONE", Instant.now());
    server.enqueue(409, DataflowErrors.alreadyExistsJson(JOB));

    LaunchedJob job = launcher().launch(request(JOB));

    assertEquals(ended, job.jobId());
    assertTrue(job.alreadyActive());
    List<String> filters = server.lists().stream().map(r -> r.query().get("filter")).toList();
    assertEquals(List.of("ACTIVE", "ALL"), filters);
  }

  @Test
  void conflictWithoutAJobOfTheNameIsRetryable() throws Exception {
    String earlierRun = server.addJob(PROJECT, REGION, JOB, "JOB_STATE_RUNNING", Map.of());
    server.setJobState(earlierRun, "JOB_STATE_DONE", Instant.now().minus(Duration.ofHours(3)));
    server.enqueue(409, DataflowErrors.alreadyExistsJson(JOB));

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertTrue(e.retryable());
    assertEquals(409, e.httpStatus());
    assertTrue(
        e.getMessage().contains("There is already an active job named " + JOB), e.getMessage());
    assertTrue(e.getMessage().contains("no job of that name was found"), e.getMessage());
    assertEquals(1, server.launches().size());
    assertEquals(4, server.lists().size(), "ACTIVE and ALL, twice");
  }

  @Test
  void lookupRefusedAfterConflictIsNotRetryable() throws Exception {
    server.addJob(PROJECT, REGION, JOB, "JOB_STATE_RUNNING", Map.of());
    server.enqueueList(
        403,
        DataflowErrors.errorJson(
            403, "PERMISSION_DENIED", "forbidden", "Permission 'dataflow.jobs.list' denied"));

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertFalse(e.retryable());
    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("Permission 'dataflow.jobs.list' denied"), e.getMessage());
    assertTrue(e.getMessage().contains("look up"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void throttlingAndServerErrorsAreRetryable(int status) {
    server.enqueueError(status, "Dataflow says " + status);

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertTrue(e.retryable());
    assertEquals(status, e.httpStatus());
    assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
    assertTrue(e.getMessage().contains("Dataflow says " + status), e.getMessage());
    assertTrue(e.getMessage().contains(JOB), e.getMessage());
    assertTrue(e.getMessage().contains(SPEC), e.getMessage());
    assertEquals(1, server.requests().size(), "no retry inside the launcher");
    assertTrue(server.jobs().isEmpty());
  }

  @Test
  void forbiddenIsNotRetryableAndNamesTheRolesNeeded() {
    String message =
        "(9b1c): Current user cannot act as service account " + WORKER + ". Causes: denied";
    server.enqueueError(403, message);

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertFalse(e.retryable());
    assertEquals(403, e.httpStatus());
    String text = e.getMessage();
    assertTrue(text.contains("HTTP 403"), text);
    assertTrue(text.contains(message), text);
    assertTrue(text.contains(JOB), text);
    assertTrue(text.contains(SPEC), text);
    assertTrue(text.contains("roles/dataflow.developer"), text);
    assertTrue(
        text.contains("roles/iam.serviceAccountUser on the worker service account " + WORKER),
        text);
  }

  @Test
  void badRequestIsNotRetryableAndCarriesDataflowsMessage() {
    String message = "(77aa): The workflow could not be created. Causes: parameter seed is invalid";
    server.enqueueError(400, message);

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertFalse(e.retryable());
    assertEquals(400, e.httpStatus());
    assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().contains("metadata.json"), e.getMessage());
  }

  @Test
  void notFoundHintsAtTheTemplateSpecAndRegion() {
    server.enqueueError(404);

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertFalse(e.retryable());
    assertEquals(404, e.httpStatus());
    assertTrue(e.getMessage().contains("Unable to open template file"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains("template spec " + SPEC + " or the region " + REGION + " may be wrong"),
        e.getMessage());
  }

  @Test
  void anErrorPageThatIsNotJsonIsQuoted() {
    server.enqueue(502, "<html><body>502 Bad Gateway from a proxy</body></html>");

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertTrue(e.retryable());
    assertEquals(502, e.httpStatus());
    assertTrue(e.getMessage().contains("502 Bad Gateway from a proxy"), e.getMessage());
  }

  @Test
  void anAnswerWithoutAJobIsNotRetryable() {
    server.enqueue(200, "{}");

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request(JOB)));

    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("without a job"), e.getMessage());
    assertTrue(e.getMessage().contains(JOB), e.getMessage());
  }

  @Test
  void noServerListeningIsRetryable() throws Exception {
    DataflowSettings settings = settings(server.rootUrl(), true, null);
    server.close();

    LaunchException e =
        assertThrows(
            LaunchException.class,
            () -> launcher(settings, Duration.ofSeconds(10)).launch(request(JOB)));

    assertTrue(e.retryable());
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().contains("no answer from Dataflow"), e.getMessage());
    assertTrue(e.getMessage().contains(JOB), e.getMessage());
    assertTrue(e.getCause() instanceof ConnectException, String.valueOf(e.getCause()));
  }

  @Test
  void aServerSlowerThanTheReadTimeoutIsRetryable() {
    server.setDelay(Duration.ofSeconds(3));
    DataflowLauncher launcher =
        launcher(settings(server.rootUrl(), true, null), Duration.ofMillis(300));

    LaunchException e = assertThrows(LaunchException.class, () -> launcher.launch(request(JOB)));

    assertTrue(e.retryable());
    assertEquals(0, e.httpStatus());
    // The read timeout fired (had the launcher waited for the answer, the launch would have
    // succeeded), and it gave up after that one request instead of asking again: counted, not
    // timed.
    assertTrue(e.getCause() instanceof SocketTimeoutException, String.valueOf(e.getCause()));
    assertEquals(1, server.requests().size(), "requests: " + server.requests());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Imaging", // uppercase
        "team.imaging", // '.'
        "a-value-that-is-much-too-long-for-a-label-because-it-has-more-than-63-chars"
      })
  void aBadLabelValueIsRefusedWithoutAsking(String value) {
    LaunchRequest request =
        new LaunchRequest("run-1", JOB, Map.of(), Map.of("team", value, "env", "prod"));

    LaunchException e = assertThrows(LaunchException.class, () -> launcher().launch(request));

    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("team='" + value + "'"), e.getMessage());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void aBadRunIdOrLabelKeyIsRefusedWithoutAsking() {
    LaunchException badRun =
        assertThrows(
            LaunchException.class,
            () -> launcher().launch(new LaunchRequest("Run_1", JOB, Map.of(), Map.of())));
    LaunchException badKey =
        assertThrows(
            LaunchException.class,
            () -> launcher().launch(new LaunchRequest("run-1", JOB, Map.of(), Map.of("1st", "x"))));

    assertFalse(badRun.retryable());
    assertTrue(
        badRun.getMessage().contains(LaunchRequest.RUN_LABEL + "='Run_1'"), badRun.getMessage());
    assertFalse(badKey.retryable());
    assertTrue(badKey.getMessage().contains("'1st'"), badKey.getMessage());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void aBadJobNameIsRefusedWithoutAsking() {
    LaunchException e =
        assertThrows(
            LaunchException.class,
            () -> launcher().launch(new LaunchRequest("run-1", "Split_Job", Map.of(), Map.of())));

    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("'Split_Job'"), e.getMessage());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void concurrentLaunchesOfOneNameStartOneJob() throws Exception {
    DataflowLauncher launcher = launcher();
    int callers = 20;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<LaunchedJob>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return launcher.launch(request(JOB));
                }));
      }
      go.countDown();
      List<LaunchedJob> jobs = new ArrayList<>();
      for (Future<LaunchedJob> result : results) {
        jobs.add(result.get(60, TimeUnit.SECONDS));
      }

      assertEquals(1, server.jobs().size());
      String id = server.jobs().get(0).path("id").asText();
      assertEquals(Set.of(id), jobs.stream().map(LaunchedJob::jobId).collect(Collectors.toSet()));
      assertEquals(1, jobs.stream().filter(j -> !j.alreadyActive()).count());
      assertEquals(callers - 1, jobs.stream().filter(LaunchedJob::alreadyActive).count());
      assertEquals(callers, server.launches().size());
      assertEquals(callers - 1, server.lists().size());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
