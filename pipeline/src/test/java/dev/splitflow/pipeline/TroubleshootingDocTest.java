package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the user docs honest. Every message docs/troubleshooting.md quotes as ours must occur in
 * one string literal of the main Java sources (or, for Terraform and tool messages, in those
 * files), so an entry cannot describe an error the code no longer produces; every entry must quote
 * what the user sees; every relative link and anchor in README.md and docs/ must resolve; every
 * SPLITFLOW_ variable the docs name must be one the code reads.
 *
 * <p>Quote lines in troubleshooting.md start with a label and hold backticked fragments:
 *
 * <pre>
 * Message: `fragment` `another fragment`      checked against core, pipeline and functions main
 * Terraform message: `fragment`               checked against terraform/**.tf
 * Tool message: `fragment`                    checked against tools/flex-template/build
 * Platform message: `fragment`                Google Cloud's text: not checked
 * </pre>
 */
class TroubleshootingDocTest {
  static final Pattern QUOTE_LINE =
      Pattern.compile("^(Message|Terraform message|Tool message|Platform message): (.*)$");
  static final Pattern FRAGMENT = Pattern.compile("`([^`]+)`");

  /** The repository root: {@code splitflow.repo.root}, or up from the working directory. */
  static Path repo() {
    String prop = System.getProperty("splitflow.repo.root");
    if (prop != null && Files.isRegularFile(Path.of(prop, "docs", "troubleshooting.md"))) {
      return Path.of(prop);
    }
    for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        p != null;
        p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docs/troubleshooting.md"))
          && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root with docs/troubleshooting.md above " + ".");
  }

  record Quote(int line, String label, String fragment) {}

  /** The labelled quotes of a Markdown file, outside code blocks. */
  static List<Quote> quotes(List<String> lines) {
    List<Quote> out = new ArrayList<>();
    boolean code = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("```")) {
        code = !code;
        continue;
      }
      Matcher m = QUOTE_LINE.matcher(line);
      if (code || !m.matches()) {
        continue;
      }
      Matcher f = FRAGMENT.matcher(m.group(2));
      int n = 0;
      while (f.find()) {
        out.add(new Quote(i + 1, m.group(1), f.group(1)));
        n++;
      }
      if (n == 0) {
        fail("troubleshooting.md:" + (i + 1) + ": a '" + m.group(1) + ":' line quotes nothing");
      }
    }
    return out;
  }

  static List<Path> files(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(suffix) && Files.isRegularFile(p)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every string literal (and text block) of the main Java sources, unescaped. */
  static List<String> javaLiterals(Path repo) {
    List<String> out = new ArrayList<>();
    for (String module : List.of("core", "pipeline", "functions")) {
      for (Path p : files(repo.resolve(module).resolve("src/main/java"), ".java")) {
        out.addAll(literals(read(p)));
      }
    }
    return out;
  }

  /** The string literals of one Java source, skipping comments and char literals. */
  static List<String> literals(String src) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
        int end = src.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
        int end = src.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c == '\'') {
        int j = i + 1;
        while (j < n && src.charAt(j) != '\'') {
          j += src.charAt(j) == '\\' ? 2 : 1;
        }
        i = j + 1;
      } else if (src.startsWith("\"\"\"", i)) {
        int end = src.indexOf("\"\"\"", i + 3);
        end = end < 0 ? n : end;
        out.add(unescape(src.substring(src.indexOf('\n', i) + 1, end)));
        i = end + 3;
      } else if (c == '"') {
        StringBuilder raw = new StringBuilder();
        int j = i + 1;
        while (j < n && src.charAt(j) != '"') {
          if (src.charAt(j) == '\\' && j + 1 < n) {
            raw.append(src, j, j + 2);
            j += 2;
          } else {
            raw.append(src.charAt(j++));
          }
        }
        out.add(unescape(raw.toString()));
        i = j + 1;
      } else {
        i++;
      }
    }
    return out;
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 's' -> b.append(' ');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        case '\n' -> {} // text block line continuation
        default -> b.append(e); // \" \' \\ (octal escapes are not used in messages)
      }
    }
    return b.toString();
  }

  @Test
  void everyMessageTheDocQuotesIsInOneStringLiteralOfTheCode() {
    Path repo = repo();
    List<Quote> quotes = quotes(read(repo.resolve("docs/troubleshooting.md")).lines().toList());
    List<String> literals = javaLiterals(repo);
    String terraform =
        String.join(
            "\n", files(repo.resolve("terraform"), ".tf").stream().map(p -> read(p)).toList());
    String tool = read(repo.resolve("tools/flex-template/build"));

    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Quote q : quotes) {
      boolean found;
      switch (q.label()) {
        case "Message" -> found = literals.stream().anyMatch(l -> l.contains(q.fragment()));
        case "Terraform message" -> found = terraform.contains(q.fragment());
        case "Tool message" -> found = tool.contains(q.fragment());
        default -> {
          continue;
        }
      }
      checked++;
      if (!found) {
        missing.add(
            "troubleshooting.md:" + q.line() + ": " + q.label() + " `" + q.fragment() + "`");
      }
    }
    assertTrue(
        missing.isEmpty(),
        "quoted as ours but found in no string literal of the code (a message changed, or the"
            + " fragment spans a '+'):\n  "
            + String.join("\n  ", missing));
    // Guards against a parser that silently finds nothing.
    assertTrue(checked >= 60, "only " + checked + " checked quotes in troubleshooting.md");
  }

  @Test
  void everyTroubleshootingEntryQuotesWhatTheUserSees() {
    List<String> lines = read(repo().resolve("docs/troubleshooting.md")).lines().toList();
    List<String> bare = new ArrayList<>();
    String entry = null;
    boolean quoted = false;
    for (String line : lines) {
      if (line.startsWith("#")) {
        if (entry != null && !quoted) {
          bare.add(entry);
        }
        entry = line.startsWith("### ") ? line : null;
        quoted = false;
      } else if (QUOTE_LINE.matcher(line.strip()).matches() || line.startsWith("Symptom: ")) {
        quoted = true;
      }
    }
    if (entry != null && !quoted) {
      bare.add(entry);
    }
    assertEquals(
        List.of(),
        bare,
        "entries without a 'Message:', 'Platform message:' (...) or 'Symptom:' line");
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'; repeats get -N. */
  static Set<String> anchors(Path md) {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean code = false;
    for (String line : read(md).lines().toList()) {
      if (line.startsWith("```")) {
        code = !code;
      }
      if (code || !line.startsWith("#")) {
        continue;
      }
      String text = line.replaceFirst("^#+\\s*", "").strip();
      String slug =
          text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int k = seen.merge(slug, 1, Integer::sum) - 1;
      out.add(k == 0 ? slug : slug + "-" + k);
    }
    return out;
  }

  static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  @Test
  void everyRelativeLinkAndAnchorInTheDocsResolves() {
    Path repo = repo();
    List<Path> docs = new ArrayList<>(files(repo.resolve("docs"), ".md"));
    docs.add(repo.resolve("README.md"));
    List<String> broken = new ArrayList<>();
    for (Path doc : docs) {
      List<String> lines = read(doc).lines().toList();
      boolean code = false;
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith("```")) {
          code = !code;
        }
        if (code) {
          continue;
        }
        Matcher m = LINK.matcher(lines.get(i));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-z]+:.*")) {
            continue; // http:, https:, mailto:
          }
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? null : target.substring(hash + 1);
          Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
          String where = repo.relativize(doc) + ":" + (i + 1) + ": " + target;
          if (!Files.exists(resolved)) {
            broken.add(where + " (no such file)");
          } else if (anchor != null
              && resolved.toString().endsWith(".md")
              && !anchors(resolved).contains(anchor)) {
            broken.add(where + " (no such heading)");
          }
        }
      }
    }
    assertEquals(List.of(), broken, "broken links");
  }

  @Test
  void everySplitflowVariableTheDocsNameIsOneTheCodeReads() {
    Path repo = repo();
    Set<String> known = new HashSet<>();
    Pattern name = Pattern.compile("SPLITFLOW_[A-Z0-9_]*[A-Z0-9]");
    for (String literal : javaLiterals(repo)) {
      Matcher m = name.matcher(literal);
      while (m.find()) {
        known.add(m.group());
      }
    }
    for (Path script : List.of(repo.resolve("tools/torch-python"), repo.resolve("splitflow"))) {
      if (Files.isRegularFile(script)) {
        Matcher m = name.matcher(read(script));
        while (m.find()) {
          known.add(m.group());
        }
      }
    }
    List<String> unknown = new ArrayList<>();
    for (Path doc : files(repo.resolve("docs"), ".md")) {
      Matcher m = name.matcher(read(doc));
      while (m.find()) {
        if (!known.contains(m.group())) {
          unknown.add(repo.relativize(doc) + ": " + m.group());
        }
      }
    }
    assertEquals(List.of(), unknown, "SPLITFLOW_ names in the docs that no code reads");
  }
}
