package io.labelcurve.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Input files read whole, a missing or unreadable one failing at once as bad input. */
public final class InputFiles {
  private InputFiles() {}

  /**
   * The bytes of {@code path}; a missing file is "{@code path}: {@code missing}", an unreadable one
   * "{@code path}: {@code unreadable} (why)".
   *
   * @throws BadInputException when the file is missing or cannot be read
   */
  public static byte[] readAll(Path path, String missing, String unreadable) {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new BadInputException(path + ": " + missing);
    } catch (IOException e) {
      throw new BadInputException(path + ": " + unreadable + " (" + e.getMessage() + ")", e);
    }
  }
}
