package io.labelcurve.activities.importer;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed pseudonyms (HMAC-SHA256) for patient ids, sites, sequences and files: the same value and
 * key always give the same id, and without the key an id cannot be traced back, not even by trying
 * every likely patient id (which a plain hash would allow). The key is never written into the
 * output.
 */
public final class Pseudonyms {
  /** Hex digits of an id: 64 bits, no collision to expect below billions of values. */
  static final int ID_HEX = 16;

  private final byte[] key;

  Pseudonyms(byte[] key) {
    if (key.length < 16) {
      throw new IllegalArgumentException("an HMAC key needs at least 16 bytes");
    }
    this.key = key.clone();
  }

  /**
   * The key in {@code keyFile} (hex), or a new random key written there (owner-readable only) when
   * the file does not exist yet, so that a re-run or a later import into the same dataset gives the
   * same ids.
   */
  public static Pseudonyms loadOrCreate(Path keyFile) {
    try {
      if (Files.exists(keyFile)) {
        String hex = Files.readString(keyFile, StandardCharsets.US_ASCII).trim();
        try {
          return new Pseudonyms(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
          throw new BadInputException(
              keyFile + ": not a pseudonym key (at least 32 hex digits on one line)");
        }
      }
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Path parent = keyFile.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(
          keyFile,
          HexFormat.of().formatHex(key) + "\n",
          StandardCharsets.US_ASCII,
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      try {
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the file keeps the folder's default permissions
      }
      return new Pseudonyms(key);
    } catch (IOException e) {
      throw new UncheckedIOException(keyFile + ": cannot read or write the pseudonym key", e);
    }
  }

  /**
   * The pseudonym of {@code value} in a namespace ({@code patient}, {@code site}, …), as {@code
   * prefix} + 16 hex digits. Namespaces keep a patient id and a site name that happen to be equal
   * from getting the same id.
   */
  public String id(String namespace, String prefix, String value) {
    return prefix + hex(namespace, value).substring(0, ID_HEX);
  }

  /** The full HMAC of a value in a namespace, hex. */
  String hex(String namespace, String value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(namespace.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
