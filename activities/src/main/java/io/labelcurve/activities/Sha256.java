package io.labelcurve.activities;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 digests, without a checked exception at every use: every JVM has SHA-256. */
public final class Sha256 {
  private Sha256() {}

  /** A fresh SHA-256 digest. */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** The SHA-256 of {@code bytes} in lowercase hex. */
  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  /** The SHA-256 of {@code lines}, each followed by a newline, in UTF-8, in lowercase hex. */
  public static String hexOfLines(List<String> lines) {
    MessageDigest md = newDigest();
    for (String line : lines) {
      md.update(line.getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * The first 8 bytes of the SHA-256 of the UTF-8 {@code text}: a seed that is the same in every
   * JVM, unlike String.hashCode's spread.
   */
  public static long seed(String text) {
    return ByteBuffer.wrap(newDigest().digest(text.getBytes(StandardCharsets.UTF_8))).getLong();
  }
}
