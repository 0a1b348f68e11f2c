package dev.splitflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The inline fully-qualified name rule of {@code tools/checkstyle/checkstyle.xml} has no stock
 * Checkstyle check behind it, only a regular expression; this holds that expression, read from the
 * file the build uses, against lines it must and must not flag. (Checkstyle applies it with
 * comments blanked out, so comments are not its concern.)
 */
class StructureRulesTest {
  private static final Path REPO = Path.of(System.getProperty("splitflow.repo.root", "../"));

  @Test
  void inlineFullyQualifiedNamesAreFlaggedAndImportsAndStringsAreNot() throws Exception {
    Pattern rule = Pattern.compile(ruleFormat("inlineFullyQualifiedName"));
    for (String line :
        new String[] {
          "    java.util.List<String> have = new ArrayList<>();",
          "    } catch (com.google.cloud.storage.StorageException e) {",
          "  static final java.util.regex.Pattern BATCH = Pattern.compile(\"x\");",
          "        .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)",
          "    List<String> d = dev.splitflow.split.Extension.settingsDiffer(a, b, c);",
          "    f(\"a string first\", java.nio.file.Path.of(\"x\"));",
          "    org.junit.jupiter.api.Assertions.assertThrows(",
        }) {
      assertTrue(rule.matcher(line).find(), "not flagged: " + line);
    }
    for (String line :
        new String[] {
          "import java.util.List;",
          "import static org.junit.jupiter.api.Assertions.assertEquals;",
          "package dev.splitflow.split;",
          "    String main = \"dev.splitflow.cli.SplitflowCli\";",
          "    run(\"java\", \"-cp\", jar, \"dev.splitflow.pipeline.SplitPipeline\", \"--x\");",
          "    List<String> have = new ArrayList<>();",
          "    long n = record.size() + io.count();",
          "    Files.createDirectories(dir.resolve(\"a.B\"));",
        }) {
      assertFalse(rule.matcher(line).find(), "flagged: " + line);
    }
  }

  @Test
  void theRuleFailsTheBuild() throws Exception {
    String pom = Files.readString(REPO.resolve("pom.xml"));
    Matcher failOn = Pattern.compile("<failOnViolation>(\\w+)</failOnViolation>").matcher(pom);
    assertTrue(failOn.find(), "pom.xml configures no checkstyle failOnViolation");
    assertEquals("true", failOn.group(1));
    assertTrue(pom.contains("tools/checkstyle/checkstyle.xml"), "pom.xml does not use the rules");
  }

  @Test
  void filesAndMethodsHaveALengthLimitAndOnlyDispatchSwitchesMaySuppressIt() throws Exception {
    assertEquals("500", ruleProperty("fileLength", "max"));
    assertEquals("100", ruleProperty("methodLength", "max"));
    // The one allowed exception is named on the method itself, so a reader sees it: a method
    // whose body is one switch over opcodes or tags.
    Pattern suppressed =
        Pattern.compile(
            "@SuppressWarnings\\(\"checkstyle:MethodLength\"\\)\\s+[^{;]*\\{\\s*(\\S[^\\n]*\\n\\s*){0,2}switch \\(");
    Pattern anySuppression = Pattern.compile("checkstyle:MethodLength\"");
    int allowed = 0;
    for (String module :
        new String[] {"core", "pipeline", "functions", "localgcs", "bench", "deploy"}) {
      Path src = REPO.resolve(module).resolve("src");
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          long all = anySuppression.matcher(text).results().count();
          long switches = suppressed.matcher(text).results().count();
          assertEquals(
              all, switches, f + ": a MethodLength suppression is only for a dispatch switch");
          allowed += (int) switches;
        }
      }
    }
    assertTrue(allowed > 0, "no dispatch switch found: is the pattern still right?");
  }

  private static String ruleFormat(String id) throws Exception {
    return ruleProperty(id, "format");
  }

  private static String ruleProperty(String id, String name) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document d =
        f.newDocumentBuilder().parse(REPO.resolve("tools/checkstyle/checkstyle.xml").toFile());
    NodeList modules = d.getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      Element m = (Element) modules.item(i);
      String format = null;
      boolean matches = false;
      NodeList props = m.getElementsByTagName("property");
      for (int j = 0; j < props.getLength(); j++) {
        Element p = (Element) props.item(j);
        if (p.getParentNode() != m) {
          continue;
        }
        matches |= p.getAttribute("name").equals("id") && p.getAttribute("value").equals(id);
        format = p.getAttribute("name").equals(name) ? p.getAttribute("value") : format;
      }
      if (matches && format != null) {
        return format;
      }
    }
    throw new AssertionError("tools/checkstyle/checkstyle.xml has no rule with id " + id);
  }
}
