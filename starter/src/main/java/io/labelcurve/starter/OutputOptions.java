package io.labelcurve.starter;

import picocli.CommandLine.Option;

/**
 * {@code -o json} (or {@code --json}, kept for scripts written before {@code -o}) on every command
 * that reports something: one JSON document on stdout, progress and messages on stderr.
 */
final class OutputOptions {
  enum Format {
    text,
    json
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "text (default) or json: one JSON document on stdout")
  Format output = Format.text;

  @Option(names = "--json", description = "same as -o json")
  boolean jsonFlag;

  boolean json() {
    return jsonFlag || output == Format.json;
  }

  /** Where human-readable progress goes: stdout for text, stderr when stdout carries JSON. */
  java.io.PrintStream progress() {
    return json() ? System.err : System.out;
  }

  /** Prints {@code value} as one line of JSON on stdout. */
  void printJson(Object value) throws com.fasterxml.jackson.core.JsonProcessingException {
    System.out.println(SweepCommand.JSON.writeValueAsString(value));
  }

  /** {@code json} as one line of JSON with {@code -o json}, otherwise {@code text}, on stdout. */
  void print(Object json, String text) throws com.fasterxml.jackson.core.JsonProcessingException {
    if (json()) {
      printJson(json);
    } else {
      System.out.println(text);
    }
  }
}
