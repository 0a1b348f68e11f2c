package dev.splitflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.splitflow.testing.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Terraform module ({@code terraform/}) as the wiring tests ({@code Terraform*Test}, {@code
 * FlexTemplateBuildTest}) read it, without a cloud: every {@code .tf} file parsed once per test JVM
 * by a real HCL parser ({@code tools/hcl/to-json.mjs}, HashiCorp's hcl2json), then compared by the
 * tests with the Java side, so a change on one side without the other fails.
 *
 * <p>Needs Node.js and {@code tools/hcl/node_modules}, which {@code mvn verify} installs ({@code
 * tools/prepare-tests}): without them the HCL checks are skipped outside CI, and listed at the end
 * of the build, and fail in CI ({@code CI} set). Formatting is checked with HashiCorp's hclwrite
 * formatter ({@code tools/hcl/fmt-check.mjs}), so {@code terraform fmt -check} needs no binary, and
 * every argument against the providers' schemas ({@link ProviderSchema}) in place of {@code
 * terraform validate}, which needs a binary and provider downloads that neither this machine nor CI
 * has.
 */
final class TerraformModule {

  /**
   * Set by Terraform beside the code's variables: the JVM reads it at start-up (the functions'
   * explicit heap), the code does not.
   */
  static final String JVM_OPTIONS = "JAVA_TOOL_OPTIONS";

  static final ObjectMapper JSON = new ObjectMapper();
  static final boolean CI = Component.isCi();

  private static Path root;
  private static boolean parsed;
  private static TerraformWiring tf; // null when the HCL parser is not available
  private static String unavailable;

  private TerraformModule() {}

  /**
   * Parses the module, the first time only; returns the repository root. A parser that runs and
   * fails fails the calling test class's set-up.
   */
  static synchronized Path parse() throws IOException {
    if (parsed) {
      return root;
    }
    root = repoRoot();
    Path hcl2json = root.resolve("tools/hcl/node_modules/@cdktf/hcl2json/package.json");
    if (!Commands.available(root, "node", "--version")) {
      unavailable = "no node on PATH";
    } else if (!Files.exists(hcl2json)) {
      unavailable = "tools/hcl/node_modules is missing (cd tools/hcl && npm ci)";
    } else {
      Commands.Result r =
          Commands.run(
              root, Map.of(), Duration.ofMinutes(2), "node", "tools/hcl/to-json.mjs", "terraform");
      assertEquals(0, r.exitCode(), "tools/hcl/to-json.mjs terraform failed:\n" + r.describe());
      tf = new TerraformWiring(JSON.readTree(r.stdout()));
    }
    parsed = true;
    return root;
  }

  /** The parsed module, or a skip (outside CI) / failure (in CI) naming what is missing. */
  static synchronized TerraformWiring tf() {
    if (tf == null) {
      Component.HCL_PARSER.unavailable("cannot parse the Terraform files: " + unavailable);
    }
    return tf;
  }

  /** The parsed module, or null when the HCL parser is not available (no skip). */
  static synchronized TerraformWiring parsedOrNull() {
    return tf;
  }

  /** The Flex Template's {@code metadata.json}. */
  static JsonNode metadata() throws IOException {
    return JSON.readTree(
        repoRoot().resolve("pipeline/src/main/resources/flex-template/metadata.json").toFile());
  }

  /** The root pom's own version, as Maven names the jars. */
  static String projectVersion() throws IOException {
    String pom = Files.readString(repoRoot().resolve("pom.xml"), StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("<artifactId>splitflow-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertTrue(m.find(), "version in pom.xml");
    return m.group(1);
  }

  /** The repository: surefire's splitflow.repo.root, else up from the working directory. */
  static Path repoRoot() {
    String prop = System.getProperty("splitflow.repo.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, "terraform"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        p != null;
        p = p.getParent()) {
      if (Files.isDirectory(p.resolve("terraform")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (with terraform/) above "
            + System.getProperty("user.dir"));
  }
}
