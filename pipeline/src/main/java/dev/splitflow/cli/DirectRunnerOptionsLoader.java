package dev.splitflow.cli;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A context class loader for command-line runs that hides the option registrars the DirectRunner
 * never reads flags for: the Dataflow runner's, the Google Cloud IO connectors' (BigQuery, Pub/Sub,
 * Spanner, ...) and the portable runners' (Docker and remote environments, cross-language
 * expansion). Beam's {@code PipelineOptionsFactory} validates every registered options interface
 * against every other on first use, in cold reflection code: with all of them that took 2.6 s of
 * each {@code ./splitflow} run on the build machine, without these about 1.2 s
 * (docs/performance.md). An interface Beam asks for later ({@code options.as(...)}) is still
 * validated then; only command-line flags of hidden interfaces are refused. The GCP core options
 * stay registered, so {@code gs://} paths and their flags keep working.
 */
final class DirectRunnerOptionsLoader extends ClassLoader {
  static final String SERVICES =
      "META-INF/services/org.apache.beam.sdk.options.PipelineOptionsRegistrar";
  static final Set<String> HIDDEN =
      Set.of(
          "org.apache.beam.runners.dataflow.DataflowPipelineRegistrar$Options",
          "org.apache.beam.sdk.io.gcp.common.GcpIoPipelineOptionsRegistrar",
          "org.apache.beam.sdk.options.ManualDockerEnvironmentOptions$Options",
          "org.apache.beam.sdk.options.RemoteEnvironmentOptions$Options",
          "org.apache.beam.sdk.util.construction.ExternalTranslationOptionsRegistrar");

  DirectRunnerOptionsLoader(ClassLoader parent) {
    super(parent);
  }

  /** Installs the loader on the calling thread; call before anything touches Beam's options. */
  static void install() {
    Thread t = Thread.currentThread();
    t.setContextClassLoader(new DirectRunnerOptionsLoader(t.getContextClassLoader()));
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    Enumeration<URL> found = super.getResources(name);
    if (!name.equals(SERVICES)) {
      return found;
    }
    List<URL> out = new ArrayList<>();
    for (URL url : Collections.list(found)) {
      out.add(filtered(url));
    }
    return Collections.enumeration(out);
  }

  /** The service file at {@code url} without the hidden registrars, served from memory. */
  private static URL filtered(URL url) throws IOException {
    String kept;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
      kept =
          r.lines()
              .filter(line -> !HIDDEN.contains(line.replaceAll("#.*", "").trim()))
              .collect(Collectors.joining("\n", "", "\n"));
    }
    byte[] bytes = kept.getBytes(StandardCharsets.UTF_8);
    return new URL(
        null,
        "splitflow-filtered:" + url,
        new URLStreamHandler() {
          @Override
          protected URLConnection openConnection(URL u) {
            return new URLConnection(u) {
              @Override
              public void connect() {}

              @Override
              public InputStream getInputStream() {
                return new ByteArrayInputStream(bytes);
              }
            };
          }
        });
  }
}
