package dev.splitflow.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.beans.Introspector;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.junit.jupiter.api.Test;

/**
 * The Flex Template's metadata.json must declare exactly the pipeline's options, with the same help
 * text, and mark as required exactly the required ones: a change to one side without the other
 * fails here.
 */
class FlexTemplateMetadataTest {

  private static JsonNode metadata() throws IOException {
    try (InputStream in =
        FlexTemplateMetadataTest.class.getResourceAsStream("/flex-template/metadata.json")) {
      assertNotNull(in, "flex-template/metadata.json is missing");
      return new ObjectMapper().readTree(in);
    }
  }

  /** Option name -> getter, for the options SplitOptions itself declares. */
  private static Map<String, Method> options() {
    Map<String, Method> out = new TreeMap<>();
    for (Method m : SplitOptions.class.getDeclaredMethods()) {
      if (m.getName().startsWith("get")) {
        out.put(Introspector.decapitalize(m.getName().substring(3)), m);
      }
    }
    return out;
  }

  private static String defaultOf(Method getter) {
    if (getter.getAnnotation(Default.String.class) != null) {
      return getter.getAnnotation(Default.String.class).value();
    } else if (getter.getAnnotation(Default.Double.class) != null) {
      return String.valueOf(getter.getAnnotation(Default.Double.class).value());
    } else if (getter.getAnnotation(Default.Long.class) != null) {
      return String.valueOf(getter.getAnnotation(Default.Long.class).value());
    } else if (getter.getAnnotation(Default.Integer.class) != null) {
      return String.valueOf(getter.getAnnotation(Default.Integer.class).value());
    }
    return String.valueOf(getter.getAnnotation(Default.Boolean.class).value());
  }

  @Test
  void declaresExactlyTheOptionsWithTheirHelpAndRequiredness() throws IOException {
    JsonNode md = metadata();
    assertNotNull(md.get("name"));
    assertNotNull(md.get("description"));
    Map<String, JsonNode> params = new TreeMap<>();
    for (JsonNode p : md.get("parameters")) {
      params.put(p.get("name").asText(), p);
    }
    Map<String, Method> options = options();
    assertEquals(options.keySet(), params.keySet(), "metadata.json parameters vs SplitOptions");
    for (Map.Entry<String, Method> e : options.entrySet()) {
      JsonNode p = params.get(e.getKey());
      Method getter = e.getValue();
      assertEquals(
          getter.getAnnotation(Description.class).value(),
          p.get("helpText").asText(),
          e.getKey() + " helpText");
      boolean required = getter.getAnnotation(Validation.Required.class) != null;
      assertEquals(!required, p.get("isOptional").asBoolean(), e.getKey() + " isOptional");
      assertNotNull(p.get("label"), e.getKey() + " label");
      boolean hasDefault =
          getter.getAnnotation(Default.String.class) != null
              || getter.getAnnotation(Default.Double.class) != null
              || getter.getAnnotation(Default.Long.class) != null
              || getter.getAnnotation(Default.Integer.class) != null
              || getter.getAnnotation(Default.Boolean.class) != null;
      assertEquals(!required, hasDefault, e.getKey() + ": optional options need a default");
      if (hasDefault) {
        assertEquals(defaultOf(getter), p.path("defaultValue").asText(), e.getKey() + " default");
        for (JsonNode regex : p.path("regexes")) {
          String d = defaultOf(getter);
          assertTrue(d.isEmpty() || d.matches(regex.asText()), e.getKey() + " default vs " + regex);
        }
      }
    }
  }
}
