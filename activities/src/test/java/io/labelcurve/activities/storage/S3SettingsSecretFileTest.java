package io.labelcurve.activities.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.internal.WebIdentityCredentialsUtils;
import software.amazon.awssdk.auth.credentials.internal.WebIdentityTokenCredentialProperties;

/**
 * Keys from files ({@code LABELCURVE_S3_SECRET_KEY_FILE}, as compose's and Kubernetes' secrets
 * mount them), and keys from nowhere: web identity (IRSA) through the default chain.
 */
class S3SettingsSecretFileTest {
  static final String SECRET = "s3cr3t-Example-0123456789";
  @TempDir Path dir;

  @Test
  void theSecretKeyComesFromTheFileWithoutItsNewline() throws Exception {
    Path file = dir.resolve("labelcurve_s3_secret_key");
    Files.writeString(file, SECRET + "\n", StandardCharsets.UTF_8);
    S3Settings s =
        S3Settings.fromEnvironment(
            Map.of(
                S3Settings.ENV_ACCESS_KEY,
                "researcher",
                S3Settings.ENV_SECRET_KEY_FILE,
                file.toString()));
    assertEquals(SECRET, s.secretKey());
    assertEquals("researcher", s.accessKey());
    assertFalse(s.toString().contains(SECRET), s::toString);
  }

  @Test
  void bothTheVariableAndTheFileIsRefusedNamingBoth() throws Exception {
    Path file = dir.resolve("key");
    Files.writeString(file, SECRET);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                S3Settings.fromEnvironment(
                    Map.of(
                        S3Settings.ENV_SECRET_KEY,
                        "other",
                        S3Settings.ENV_SECRET_KEY_FILE,
                        file.toString())));
    assertTrue(
        e.getMessage()
            .contains(S3Settings.ENV_SECRET_KEY + " and " + S3Settings.ENV_SECRET_KEY_FILE),
        e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
  }

  @Test
  void aMissingOrEmptyFileIsNamed() throws Exception {
    Path missing = dir.resolve("nope");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                S3Settings.fromEnvironment(
                    Map.of(S3Settings.ENV_SECRET_KEY_FILE, missing.toString())));
    assertTrue(
        e.getMessage().contains(S3Settings.ENV_SECRET_KEY_FILE + "=" + missing), e.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    e =
        assertThrows(
            BadInputException.class,
            () ->
                S3Settings.fromEnvironment(
                    Map.of(S3Settings.ENV_SECRET_KEY_FILE, empty.toString())));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void withNeitherTheDefaultChainIsUsed() {
    S3Settings s = S3Settings.fromEnvironment(Map.of());
    assertNull(s.accessKey());
    assertNull(s.secretKey());
  }

  /**
   * IRSA: the SDK's default chain loads its web-identity provider through
   * WebIdentityCredentialsUtils.factory(), which finds STS's factory class by reflection and throws
   * when the sts module is missing; the chain then skips web identity without a word. With it, a
   * provider for a role and a token file is made (resolving it would call STS).
   */
  @Test
  void theDefaultChainFindsTheWebIdentityProviderOfTheStsModule() throws Exception {
    assertEquals(
        "software.amazon.awssdk.services.sts.internal.StsWebIdentityCredentialsProviderFactory",
        WebIdentityCredentialsUtils.factory().getClass().getName());
    Path token = Files.writeString(dir.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    try (var provider =
        (AutoCloseable)
            WebIdentityCredentialsUtils.factory()
                .create(
                    WebIdentityTokenCredentialProperties.builder()
                        .roleArn("arn:aws:iam::123456789012:role/labelcurve-worker")
                        .roleSessionName("labelcurve-test")
                        .webIdentityTokenFile(token)
                        .asyncCredentialUpdateEnabled(false)
                        .build())) {
      assertTrue(
          provider
              .getClass()
              .getName()
              .startsWith(
                  "software.amazon.awssdk.services.sts.internal.StsWebIdentityCredentialsProviderFactory"),
          provider.getClass()::getName);
    }
  }
}
