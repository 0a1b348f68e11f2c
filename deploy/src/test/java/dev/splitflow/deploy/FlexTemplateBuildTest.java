package dev.splitflow.deploy;

import static dev.splitflow.deploy.TerraformModule.CI;
import static dev.splitflow.deploy.TerraformModule.metadata;
import static dev.splitflow.deploy.TerraformModule.projectVersion;
import static dev.splitflow.deploy.TerraformModule.tf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Flex Template packaging ({@code tools/flex-template/build}) against the pipeline and the
 * Terraform module: its dry run names the metadata, the main class and the jar the build makes, and
 * reads only outputs the module and the example root declare.
 */
class FlexTemplateBuildTest {
  private static Path root;

  @BeforeAll
  static void parseTerraform() throws IOException {
    root = TerraformModule.parse();
  }

  @Test
  void flexTemplateBuildDryRunNamesTheMetadataMainClassAndJar() throws IOException {
    Component.BASH.require(Commands.available(root, "bash", "-c", "true"), "no bash on PATH");
    Commands.Result r =
        Commands.run(
            root,
            Map.of(),
            Duration.ofMinutes(1),
            "bash",
            "tools/flex-template/build",
            "--dry-run",
            "--project",
            "my-project-1",
            "--region",
            "europe-west4",
            "--repository",
            "splitflow-images",
            "--bucket",
            "my-pipeline-bucket",
            "--tag",
            "t1");
    assertEquals(0, r.exitCode(), r.describe());
    List<String> lines = r.stdout().lines().toList();
    assertEquals(2, lines.size(), r.stdout());
    List<String> maven = Arrays.asList(lines.get(0).split(" "));
    assertEquals("mvn", maven.get(0));
    assertTrue(maven.containsAll(List.of("-pl", "pipeline", "-am", "package")), lines.get(0));

    List<String> gcloud = Arrays.asList(lines.get(1).split(" "));
    String className = assertGcloudBuild(gcloud);
    assertSourceAndJarHold(className, flag(gcloud, "--jar"));
    assertTheScriptReadsDeclaredOutputs();

    // Opting out of the builder account drops both options.
    Commands.Result plain =
        Commands.run(
            root,
            Map.of(),
            Duration.ofMinutes(1),
            "bash",
            "tools/flex-template/build",
            "--dry-run",
            "--skip-maven",
            "--project",
            "my-project-1",
            "--region",
            "europe-west4",
            "--repository",
            "splitflow-images",
            "--bucket",
            "my-pipeline-bucket",
            "--default-build-account");
    assertEquals(0, plain.exitCode(), plain.describe());
    assertFalse(plain.stdout().contains("--cloud-build-service-account"), plain.stdout());
    assertFalse(plain.stdout().contains("--gcs-log-dir"), plain.stdout());
  }

  /**
   * The {@code gcloud dataflow flex-template build} line: image, metadata, main class, heap, build
   * account; returns the main class it names.
   */
  private static String assertGcloudBuild(List<String> gcloud) {
    assertEquals(List.of("gcloud", "dataflow", "flex-template", "build"), gcloud.subList(0, 4));
    assertEquals("gs://my-pipeline-bucket/templates/splitflow.json", gcloud.get(4));
    assertEquals("JAVA", flag(gcloud, "--sdk-language"));
    assertEquals(
        "europe-west4-docker.pkg.dev/my-project-1/splitflow-images/splitflow-pipeline:t1",
        flag(gcloud, "--image-gcr-path"));
    assertTrue(
        flag(gcloud, "--flex-template-base-image")
            .matches(
                "gcr\\.io/dataflow-templates-base/java17-template-launcher-base:\\d{8}_RC\\d\\d"),
        "a pinned, dated Java 17 base image: " + flag(gcloud, "--flex-template-base-image"));

    Path metadata = root.resolve(flag(gcloud, "--metadata-file"));
    assertEquals(root.resolve("pipeline/src/main/resources/flex-template/metadata.json"), metadata);
    assertTrue(Files.isRegularFile(metadata));

    List<String> envs = flags(gcloud, "--env");
    String mainClass = envs.get(0);
    assertEquals("FLEX_TEMPLATE_JAVA_MAIN_CLASS=dev.splitflow.pipeline.SplitPipeline", mainClass);
    // The launcher VM's JVM gets a heap sized by the launcher machine type, not 25 % of it.
    assertEquals(List.of(mainClass, "FLEX_TEMPLATE_JAVA_OPTIONS=-XX:MaxRAMPercentage=70"), envs);
    // The image is built as the module's builder account, with the log folder such a build needs.
    assertEquals(
        "projects/my-project-1/serviceAccounts/splitflow-builder@my-project-1.iam.gserviceaccount.com",
        flag(gcloud, "--cloud-build-service-account"));
    assertEquals("gs://my-pipeline-bucket/build-logs/", flag(gcloud, "--gcs-log-dir"));
    return mainClass.substring(mainClass.indexOf('=') + 1);
  }

  /** The main class has a source with a main, and the jar the build names holds it. */
  private static void assertSourceAndJarHold(String className, String jarName) throws IOException {
    Path source = root.resolve("pipeline/src/main/java/" + className.replace('.', '/') + ".java");
    assertTrue(Files.isRegularFile(source), source + " exists");
    assertTrue(
        Files.readString(source).contains("public static void main(String[] args)"),
        className + " has a main");

    assertEquals("pipeline/target/splitflow-pipeline-" + projectVersion() + "-all.jar", jarName);
    Path jar = root.resolve(jarName);
    if (Files.isRegularFile(jar)) {
      try (ZipFile z = new ZipFile(jar.toFile())) {
        assertNotNull(
            z.getEntry(className.replace('.', '/') + ".class"), jarName + " holds " + className);
      }
    } else if (CI) {
      fail(jarName + " is missing: CI builds the pipeline module before this one");
    }
  }

  /** The outputs the script reads exist in the module and the example root. */
  private static void assertTheScriptReadsDeclaredOutputs() throws IOException {
    String script = Files.readString(root.resolve("tools/flex-template/build"));
    Matcher m = Pattern.compile("tf_output ([a-z_]+)\\)").matcher(script);
    Set<String> read = new TreeSet<>();
    while (m.find()) {
      read.add(m.group(1));
    }
    assertEquals(
        Set.of(
            "project_id",
            "flex_template_image",
            "template_spec_gcs_path",
            "builder_service_account",
            "build_logs_dir"),
        read);
    TerraformWiring tf = TerraformModule.parsedOrNull();
    if (tf != null) {
      assertTrue(tf.outputs("").keySet().containsAll(read));
      assertTrue(tf.outputs("examples/basic/").keySet().containsAll(read));
      assertEquals(
          "${google_service_account.builder.id}",
          tf.outputs("").get("builder_service_account").path("value").asText(),
          "projects/P/serviceAccounts/EMAIL, the form Cloud Build takes");
      assertEquals(
          "gs://${local.pipeline_bucket}/${local.build_logs_folder}",
          tf.locals().get("build_logs_dir").asText());
      assertEquals("build-logs/", tf.locals().get("build_logs_folder").asText());
    }
  }

  private static List<String> flags(List<String> args, String name) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals(name)) {
        values.add(args.get(i + 1));
      }
    }
    return values;
  }

  private static String flag(List<String> args, String name) {
    int i = args.indexOf(name);
    assertTrue(i >= 0 && i + 1 < args.size(), "command has " + name + ": " + args);
    return args.get(i + 1);
  }
}
