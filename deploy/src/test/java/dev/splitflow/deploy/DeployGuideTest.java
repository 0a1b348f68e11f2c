package dev.splitflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/deploy.md as a newcomer runs it from an empty project: every gcloud command names its
 * project, the steps come in an order that works, and the first-deployment checklist has a command
 * for each point nothing here could prove.
 */
class DeployGuideTest {
  private static final Path ROOT = TerraformModule.repoRoot();

  /** gcloud commands that are about the local login, not a project. */
  private static final List<String> PROJECTLESS =
      List.of("gcloud auth ", "gcloud config ", "gcloud topic ");

  private static String guide() throws IOException {
    return Files.readString(ROOT.resolve("docs/deploy.md"));
  }

  /** Shell lines of the guide's plain code blocks, continuation lines joined. */
  static List<String> shellLines(String markdown) {
    List<String> lines = new ArrayList<>();
    boolean in = false;
    boolean shell = false;
    StringBuilder pending = new StringBuilder();
    for (String raw : markdown.split("\n", -1)) {
      String line = raw.strip();
      if (line.startsWith("```")) {
        shell = !in && line.equals("```");
        in = !in;
        continue;
      }
      if (!in || !shell) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      lines.add(pending.toString());
      pending.setLength(0);
    }
    return lines;
  }

  /** The gcloud invocations of one shell line: command substitutions and pipe stages apart. */
  static List<String> gcloudCommands(String line) {
    String s = line.replaceAll("'[^']*'", "'Q'");
    List<String> commands = new ArrayList<>();
    Pattern substitution = Pattern.compile("\\$\\(([^()]*)\\)");
    Matcher m = substitution.matcher(s);
    while (m.find()) {
      commands.add(m.group(1));
      s = s.substring(0, m.start()) + "X" + s.substring(m.end());
      m = substitution.matcher(s);
    }
    commands.add(s);
    List<String> out = new ArrayList<>();
    for (String c : commands) {
      for (String stage : c.split("\\|")) {
        String t = stage.strip();
        if (t.startsWith("gcloud ")) {
          out.add(t);
        }
      }
    }
    return out;
  }

  @Test
  void everyGcloudCommandNamesItsProject() throws IOException {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String line : shellLines(guide())) {
      for (String c : gcloudCommands(line)) {
        if (PROJECTLESS.stream().anyMatch(c::startsWith)) {
          continue;
        }
        checked++;
        boolean named =
            c.contains("--project") || c.startsWith("gcloud projects ") && c.contains(" $PROJECT");
        if (!named) {
          missing.add(c);
        }
      }
    }
    assertTrue(checked > 20, "gcloud commands found: " + checked);
    assertEquals(List.of(), missing, "gcloud commands in docs/deploy.md without --project");
    // The checker itself: a substitution and a pipe are split, quotes do not confuse it.
    assertEquals(
        List.of(
            "gcloud storage buckets describe gs://b --format 'Q'",
            "gcloud eventarc x --location X"),
        gcloudCommands(
            "gcloud eventarc x --location $(gcloud storage buckets describe gs://b --format"
                + " 'value(location)' | tr A-Z a-z)"));
  }

  @Test
  void theStepsComeInAnOrderThatWorksFromAnEmptyProject() throws IOException {
    List<String> lines = shellLines(guide());
    int quota = first(lines, "gcloud auth application-default set-quota-project");
    int bootstrap = first(lines, "gcloud services enable serviceusage.googleapis.com");
    int build = first(lines, "mvn -B -DskipTests package");
    int apply = first(lines, "terraform apply");
    int network = first(lines, "gcloud compute networks subnets update default");
    int actAs = first(lines, "roles/iam.serviceAccountUser");
    int template = first(lines, "tools/flex-template/build");
    int upload = first(lines, "gcloud storage cp demo-batches/");
    int marker = first(lines, "_BATCHES_COMPLETE");
    // ADC with a quota project before Terraform uses it; Service Usage before Terraform enables
    // the rest; the jar before the apply deploys it; the subnetwork only exists once the apply
    // has enabled Compute Engine; the build account before the build; the spec before the marker.
    assertTrue(quota < apply && bootstrap < apply && build < apply, lines.toString());
    assertTrue(apply < network, "Private Google Access after the apply enabled Compute Engine");
    assertTrue(apply < actAs && actAs < template, "act as the builder, then build");
    assertTrue(template < upload && upload < marker, "the spec exists before the marker");
  }

  private static int first(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    throw new AssertionError("docs/deploy.md has no command with '" + text + "'");
  }

  @Test
  void theFirstDeploymentChecklistHasACommandForEachOpenPoint() throws IOException {
    String g = guide();
    int start = g.indexOf("## First real deployment");
    assertTrue(start > 0, "docs/deploy.md has the first-deployment checklist");
    int end = g.indexOf("\n## ", start + 1);
    String checklist = g.substring(start, end < 0 ? g.length() : end);
    for (String point :
        List.of("IAM propagation", "Eventarc destination", "build account", "heap")) {
      int at = checklist.indexOf(point);
      assertTrue(at > 0, "the checklist covers " + point);
      String item = checklist.substring(at, Math.min(checklist.length(), at + 1200));
      assertTrue(item.contains("gcloud "), point + " comes with a command: " + item);
    }
  }

  @Test
  void localRunLeftoversAreIgnoredByGit() throws IOException {
    assertTrue(
        Files.isDirectory(ROOT.resolve(".git")) || Files.isRegularFile(ROOT.resolve(".git")),
        "the suite runs in a git checkout (a clone, as README's test command says)");
    Commands.Result r =
        Commands.run(
            ROOT,
            Map.of(),
            Duration.ofMinutes(1),
            "git",
            "check-ignore",
            "java-function-invoker-1.4.1.jar",
            "demo-batches/batch_1.pt");
    assertEquals(0, r.exitCode(), r.describe());
    assertEquals(2, r.stdout().lines().count(), r.stdout());
  }

  /**
   * The capacity figure matches the heap Terraform sets (70 %, not the JVM's 25 %), operations per
   * chunk are documented, and direct triggers are not said to refuse dual- and multi-regions.
   */
  @Test
  void operationsAndTroubleshootingStateTheDeploymentFacts() throws IOException {
    String ops = Files.readString(ROOT.resolve("docs/operations.md"));
    assertTrue(ops.contains("-XX:MaxRAMPercentage=70"), "operations.md names the heap setting");
    assertTrue(ops.contains("1,434 MiB heap"), "the heap of the default 2Gi");
    assertTrue(ops.contains("### Cloud Storage operations per chunk"));
    assertTrue(!ops.contains("holds the metadata of a few\nmillion records"), "the old figure");
    String tf = Files.readString(ROOT.resolve("terraform/main.tf"));
    assertTrue(tf.contains("heap_percent        = 70"), "the figure's 70 % is Terraform's");
    String trouble = Files.readString(ROOT.resolve("docs/troubleshooting.md"));
    int at = trouble.indexOf("### An Eventarc direct trigger in the wrong location");
    String section = trouble.substring(at, trouble.indexOf("\n### ", at + 1));
    assertTrue(section.contains("a dual-region (`nam4`, `eur4`)"), section);
    assertTrue(!section.contains("cannot be used this way"), section);
  }

  /** Links into deploy.md from the other docs land on a heading (its steps were renumbered). */
  @Test
  void linksIntoTheGuideLandOnAHeading() throws IOException {
    Set<String> anchors = new HashSet<>();
    for (String line : guide().split("\n")) {
      if (line.startsWith("#")) {
        String title = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
        anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
      }
    }
    List<String> broken = new ArrayList<>();
    Pattern link = Pattern.compile("deploy\\.md#([a-z0-9_-]+)");
    List<Path> docs = new ArrayList<>();
    try (var s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
    }
    docs.add(ROOT.resolve("README.md"));
    docs.add(ROOT.resolve("terraform/README.md"));
    for (Path doc : docs) {
      if (!Files.isRegularFile(doc)) {
        continue;
      }
      Matcher m = link.matcher(Files.readString(doc));
      while (m.find()) {
        if (!anchors.contains(m.group(1))) {
          broken.add(ROOT.relativize(doc) + ": deploy.md#" + m.group(1));
        }
      }
    }
    assertTrue(anchors.contains("4-first-run-with-the-demo-data"), anchors.toString());
    assertEquals(List.of(), broken, "links to headings deploy.md does not have");
  }
}
