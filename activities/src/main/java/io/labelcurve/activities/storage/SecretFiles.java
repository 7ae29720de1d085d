package io.labelcurve.activities.storage;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Secrets given as a file path in a {@code *_FILE} variable, the convention of Docker's and
 * compose's {@code secrets:} (mounted under {@code /run/secrets/}) and of the official images
 * (postgres, MinIO, Grafana): the secret stays in a file readable by its owner and never enters an
 * environment variable, a shell's history or {@code docker inspect}.
 */
public final class SecretFiles {
  /** Largest secret file read: a key or token, not a mistaken path to a data file. */
  private static final long MAX_BYTES = 64 * 1024;

  private SecretFiles() {}

  /**
   * The value of {@code variable}, or the content of the file named by {@code fileVariable} without
   * its trailing newline; null when neither is set.
   *
   * @throws BadInputException when both are set, or the file is missing, unreadable, empty or too
   *     large; the message names the variables and the path, never the content
   */
  public static String valueOrFile(Map<String, String> env, String variable, String fileVariable) {
    String value = blankToNull(env.get(variable));
    String file = blankToNull(env.get(fileVariable));
    if (value != null && file != null) {
      throw new BadInputException(
          variable
              + " and "
              + fileVariable
              + " are both set; set"
              + " one ("
              + fileVariable
              + " keeps the secret out of the environment)");
    }
    return file == null ? value : read(fileVariable, Path.of(file));
  }

  /** The secret in {@code file} (named by {@code variable} in messages), trailing newline cut. */
  public static String read(String variable, Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(variable + "=" + file + ": no such file");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new BadInputException(
            variable
                + "="
                + file
                + ": "
                + Files.size(file)
                + " bytes, more than a secret ("
                + MAX_BYTES
                + " at most)");
      }
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (s.isEmpty()) {
        throw new BadInputException(variable + "=" + file + ": the file is empty");
      }
      return s;
    } catch (IOException e) {
      throw new BadInputException(
          variable + "=" + file + ": cannot read it (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v;
  }
}
