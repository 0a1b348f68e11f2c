package dev.splitflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools/test-report}, the end of {@code mvn verify}: it lists each skipped group with why
 * and the command that enables it, and fails the build on a skip that did not go through {@link
 * Component}, on reports fabricated in a temporary repository layout.
 */
class TestReportTest {
  private static final Path REPO = Path.of(System.getProperty("splitflow.repo.root", "../"));

  @TempDir Path root;

  @Test
  void listsEachSkippedGroupWithWhyAndTheCommandThatEnablesIt() throws Exception {
    started();
    skippedRecord(
        "torch", "no Python with torch: tools/torch-python exited 3", "tools/torch-python");
    report(
        "core",
        "surefire",
        "a.B",
        "<testcase classname='a.B' name='one'><skipped message='[skipped: torch] no torch'/>"
            + "</testcase><testcase classname='a.B' name='two'><skipped"
            + " type='org.opentest4j.TestAbortedException'>org.opentest4j.TestAbortedException:"
            + " [skipped: torch] no torch&#10;\tat dev.splitflow.testing.Component.unavailable"
            + "</skipped></testcase><testcase classname='a.B' name='ran'/>");

    Result r = run();

    assertEquals(0, r.code, r.output);
    assertTrue(r.output.contains("SKIPPED TEST GROUPS (2 tests did not run"), r.output);
    assertTrue(r.output.contains("torch: 2 tests"), r.output);
    assertTrue(r.output.contains("why:    no Python with torch"), r.output);
    assertTrue(r.output.contains("enable: tools/torch-python"), r.output);
  }

  @Test
  void namesAClassSkippedBeforeItsFirstTestByItsGroup() throws Exception {
    started();
    Files.writeString(
        root.resolve("target/test-report/skipped/pubsub-emulator"),
        "gcloud is not on PATH\tinstall gcloud\tx.EmulatorIT\n");
    report("functions", "failsafe", "x.EmulatorIT", "");

    Result r = run();

    assertEquals(0, r.code, r.output);
    assertTrue(r.output.contains("0 tests and 1 whole class did not run"), r.output);
    assertTrue(r.output.contains("pubsub-emulator: every test of x.EmulatorIT"), r.output);
  }

  @Test
  void failsOnAClassThatRanNoTestWithoutAListedGroup() throws Exception {
    started();
    report("functions", "failsafe", "y.QuietIT", "");

    Result r = run();

    assertEquals(1, r.code, r.output);
    assertTrue(r.output.contains("y.QuietIT: ran no test"), r.output);
  }

  @Test
  void failsOnATestSkippedWithoutAListedGroup() throws Exception {
    started();
    report(
        "functions",
        "failsafe",
        "c.D",
        "<testcase classname='c.D' name='quiet'><skipped message='assumption failed'/></testcase>");

    Result r = run();

    assertEquals(1, r.code, r.output);
    assertTrue(r.output.contains("TESTS SKIPPED WITHOUT A LISTED GROUP"), r.output);
    assertTrue(r.output.contains("c.D.quiet: assumption failed"), r.output);
  }

  @Test
  void aMarkedSkipWhoseGroupWasNeverRecordedStillFails() throws Exception {
    started();
    report(
        "core",
        "surefire",
        "e.F",
        "<testcase classname='e.F' name='t'><skipped message='[skipped: torch] x'/></testcase>");

    Result r = run();

    assertEquals(1, r.code, r.output);
  }

  @Test
  void ignoresReportsOlderThanThisBuild() throws Exception {
    started();
    Path old =
        report(
            "core",
            "surefire",
            "g.H",
            "<testcase classname='g.H' name='t'><skipped message='old'/></testcase>");
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(3600)));

    Result r = run();

    assertEquals(0, r.code, r.output);
    assertTrue(r.output.contains("All test groups ran"), r.output);
    assertFalse(r.output.contains("g.H"), r.output);
  }

  @Test
  void refusesToGuessWithoutTheBuildsStartStamp() throws Exception {
    Result r = run();

    assertEquals(1, r.code, r.output);
    assertTrue(r.output.contains("tools/prepare-tests did not run"), r.output);
  }

  private void started() throws IOException {
    Path dir = Files.createDirectories(root.resolve("target/test-report/skipped"));
    Files.writeString(dir.getParent().resolve("started"), "");
    Files.setLastModifiedTime(
        dir.getParent().resolve("started"), FileTime.from(Instant.now().minusSeconds(60)));
  }

  private void skippedRecord(String group, String why, String enable) throws IOException {
    Files.writeString(
        root.resolve("target/test-report/skipped").resolve(group), why + "\t" + enable + "\ta.B\n");
  }

  private Path report(String module, String plugin, String className, String cases)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve(module + "/target/" + plugin + "-reports"));
    Path file = dir.resolve("TEST-" + className + ".xml");
    Files.writeString(
        file,
        "<?xml version='1.0' encoding='UTF-8'?><testsuite name='"
            + className
            + "' tests='"
            + (cases.split("<testcase", -1).length - 1)
            + "'>"
            + cases
            + "</testsuite>",
        StandardCharsets.UTF_8);
    return file;
  }

  private Result run() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("python3", REPO.resolve("tools/test-report").toString(), root.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tools/test-report finished");
    return new Result(p.exitValue(), out);
  }

  private record Result(int code, String output) {}
}
