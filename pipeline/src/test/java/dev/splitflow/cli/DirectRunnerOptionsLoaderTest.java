package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.HashSet;
import java.util.ServiceLoader;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;
import org.junit.jupiter.api.Test;

class DirectRunnerOptionsLoaderTest {

  private static Set<String> registrars(ClassLoader loader) {
    Set<String> names = new HashSet<>();
    ServiceLoader.load(PipelineOptionsRegistrar.class, loader).stream()
        .forEach(p -> names.add(p.type().getName()));
    return names;
  }

  @Test
  void hidesTheDataflowAndGcpIoRegistrarsOnly() {
    ClassLoader plain = getClass().getClassLoader();
    Set<String> all = registrars(plain);
    // The hidden ones are on the test classpath, so hiding them is a real difference.
    assertTrue(all.containsAll(DirectRunnerOptionsLoader.HIDDEN), all.toString());

    Set<String> seen = registrars(new DirectRunnerOptionsLoader(plain));
    Set<String> expected = new HashSet<>(all);
    expected.removeAll(DirectRunnerOptionsLoader.HIDDEN);
    assertEquals(expected, seen);
    assertTrue(seen.contains("org.apache.beam.runners.direct.DirectRegistrar$Options"));
    // gs:// paths on the command line need the GCP core options (GcsOptions, --project).
    assertTrue(
        seen.contains("org.apache.beam.sdk.extensions.gcp.options.GcpPipelineOptionsRegistrar"));
  }

  @Test
  void otherResourcesAndClassesPassThrough() throws Exception {
    ClassLoader plain = getClass().getClassLoader();
    DirectRunnerOptionsLoader loader = new DirectRunnerOptionsLoader(plain);
    String services = "META-INF/services/org.apache.beam.sdk.io.FileSystemRegistrar";
    assertEquals(
        Collections.list(plain.getResources(services)),
        Collections.list(loader.getResources(services)));
    assertEquals(
        plain.loadClass("org.apache.beam.runners.dataflow.DataflowRunner"),
        loader.loadClass("org.apache.beam.runners.dataflow.DataflowRunner"));
  }
}
