package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code inspect} and {@code split} in a child JVM on every hostile golden file and every
 * adversarial valid one ({@code valid/adv_*.pt}): each must finish within 20 s and 1 GB of peak
 * RSS, and a hostile file must fail with one line naming it. The ceilings are generous bounds on
 * work out of proportion to a file's bytes (minutes and GBs before issue 14), not timings.
 */
class HostileFilesCliIT {
  private static final long MAX_SECONDS = 20;
  private static final long MAX_RSS_KIB = 1024 * 1024;
  private static final Path GOLDEN =
      Path.of(System.getProperty("splitflow.repo.root", ".."))
          .resolve("core/src/test/resources/golden");

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> everyHostileAndAdversarialFileStaysWithinBounds() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(GOLDEN.resolve("hostile"))) {
      s.filter(p -> p.toString().endsWith(".pt")).sorted().forEach(files::add);
    }
    try (Stream<Path> s = Files.list(GOLDEN.resolve("valid"))) {
      s.filter(p -> p.getFileName().toString().matches("adv_.*\\.pt")).sorted().forEach(files::add);
    }
    assertTrue(files.size() >= 40, "golden files missing: run make_golden.py");
    return files.stream()
        .flatMap(
            pt ->
                Stream.of(
                    DynamicTest.dynamicTest(
                        "inspect " + pt.getFileName(), () -> run(pt, "inspect", pt.toString())),
                    DynamicTest.dynamicTest(
                        "split " + pt.getFileName(),
                        () -> {
                          Path out = Files.createTempDirectory(tmp, "out");
                          Files.delete(out);
                          run(pt, "split", "--input", pt.toString(), "--output", out.toString());
                        })));
  }

  private void run(Path pt, String... args) throws Exception {
    boolean hostile = pt.getParent().getFileName().toString().equals("hostile");
    boolean timeV = Files.isExecutable(Path.of("/usr/bin/time"));
    List<String> cmd = new ArrayList<>();
    Path rss = tmp.resolve("rss.txt");
    if (timeV) {
      cmd.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path")));
    cmd.add(SplitflowCli.class.getName());
    cmd.addAll(List.of(args));
    Path stderr = tmp.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(stderr.toFile())
            .start();
    long peakKib = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_SECONDS);
    while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
      peakKib = Math.max(peakKib, hwmKib(p));
      if (System.nanoTime() > deadline) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(args[0] + " " + pt + " ran for more than " + MAX_SECONDS + " s");
      }
    }
    if (timeV && Files.exists(rss)) {
      List<String> lines = Files.readAllLines(rss);
      peakKib = Math.max(peakKib, Long.parseLong(lines.get(lines.size() - 1).trim()));
    }
    assertTrue(
        peakKib <= MAX_RSS_KIB, args[0] + " " + pt + " peaked at " + peakKib / 1024 + " MiB RSS");
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    if (hostile) {
      assertEquals(1, p.exitValue(), err);
      List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING")).toList();
      assertEquals(1, lines.size(), "one line expected: " + err);
      assertTrue(lines.get(0).contains(pt.getFileName().toString()), lines.get(0));
      assertTrue(lines.get(0).length() <= 2500, lines.get(0));
    } else if (args[0].equals("inspect")) {
      assertEquals(0, p.exitValue(), err);
    } else if (p.exitValue() != 0) {
      // A valid file the split cannot use (no stratum field): still one short line.
      List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING")).toList();
      assertEquals(1, lines.size(), "one line expected: " + err);
      assertTrue(lines.get(0).length() <= 2500, lines.get(0));
    }
  }

  /** The peak RSS so far of the java process (the child or the child's child), in KiB. */
  private static long hwmKib(Process p) {
    long best = 0;
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    for (ProcessHandle h : all) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
          if (line.startsWith("VmHWM:")) {
            best = Math.max(best, Long.parseLong(line.replaceAll("[^0-9]", "")));
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone already, or no /proc: /usr/bin/time's figure stands
      }
    }
    return best;
  }
}
