package dev.splitflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splitflow.pipeline.SplitOptions;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The flags the command line checks are the pipeline's options, so no option is refused. */
class CliArgsTest {

  @Test
  void everySplitOptionIsAFlagOfSplitAndIndices() {
    Set<String> options = new TreeSet<>();
    for (Method m : SplitOptions.class.getDeclaredMethods()) {
      String name = m.getName();
      if ((name.startsWith("get") || name.startsWith("is")) && m.getParameterCount() == 0) {
        String property = name.substring(name.startsWith("get") ? 3 : 2);
        options.add(Character.toLowerCase(property.charAt(0)) + property.substring(1));
      }
    }
    options.add("workers"); // the DirectRunner's targetParallelism, under the CLI's own name

    assertEquals(options, new TreeSet<>(CliArgs.SPLIT_FLAGS.keySet()));
  }
}
