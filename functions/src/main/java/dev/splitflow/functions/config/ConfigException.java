package dev.splitflow.functions.config;

import java.util.List;

/** A deployment's environment is missing or has bad settings; names every one of them. */
public final class ConfigException extends IllegalStateException {
  private final List<String> problems;

  public ConfigException(String function, List<String> problems) {
    super(function + " is misconfigured: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
