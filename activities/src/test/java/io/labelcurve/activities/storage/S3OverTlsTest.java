package io.labelcurve.activities.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * S3 over TLS with a private CA, as the compose TLS overlay runs MinIO: a real S3Proxy on https
 * with a certificate made by the JDK's keytool, trusted through LABELCURVE_S3_CA (a PEM file) and
 * refused without it.
 */
class S3OverTlsTest {
  static final String PASSWORD = "test-only-keystore";
  @TempDir Path dir;

  @Test
  void aPrivateCaGivenAsPemIsTrustedAndWithoutItTheHandshakeFails() throws Exception {
    Path keystore = dir.resolve("s3proxy.p12");
    Path ca = dir.resolve("ca.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "s3proxy",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keystore.toString(),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "s3proxy",
        "-keystore",
        keystore.toString(),
        "-storepass",
        PASSWORD,
        "-file",
        ca.toString());

    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.resolve("s3").toString());
    Files.createDirectories(dir.resolve("s3"));
    int port = freePort();
    try (BlobStoreContext context =
        ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class)) {
      S3Proxy proxy =
          S3Proxy.builder()
              .blobStore(context.getBlobStore())
              .secureEndpoint(URI.create("https://127.0.0.1:" + port))
              .keyStore(keystore.toString(), PASSWORD)
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "tls-access", "tls-secret")
              .ignoreUnknownHeaders(true)
              .build();
      proxy.start();
      try {
        while (!"STARTED".equals(proxy.getState())) {
          Thread.sleep(10);
        }
        S3Settings settings =
            S3Settings.fromEnvironment(
                Map.of(
                    S3Settings.ENV_ENDPOINT,
                    "https://127.0.0.1:" + port,
                    S3Settings.ENV_ACCESS_KEY,
                    "tls-access",
                    S3Settings.ENV_SECRET_KEY,
                    "tls-secret",
                    S3Settings.ENV_CA,
                    ca.toString()));
        assertEquals(ca, settings.caBundle());
        try (S3BlobStore store = S3BlobStore.connect(settings)) {
          byte[] bytes = "over TLS".getBytes(StandardCharsets.UTF_8);
          store.put("tls/check.txt", bytes);
          assertArrayEquals(bytes, store.get("tls/check.txt").orElseThrow());
        }
        // The JVM's CAs do not know this one: the handshake fails.
        S3Settings untrusted =
            S3Settings.fromEnvironment(
                Map.of(
                    S3Settings.ENV_ENDPOINT,
                    "https://127.0.0.1:" + port,
                    S3Settings.ENV_ACCESS_KEY,
                    "tls-access",
                    S3Settings.ENV_SECRET_KEY,
                    "tls-secret"));
        SdkClientException e =
            assertThrows(SdkClientException.class, () -> S3BlobStore.connect(untrusted).close());
        assertTrue(
            String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("ssl")
                || e.getCause() instanceof javax.net.ssl.SSLException,
            e::toString);
      } finally {
        proxy.stop();
      }
    }
  }

  @Test
  void aFileThatHoldsNoCertificateIsNamed() throws IOException {
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                S3BlobStore.connect(
                    S3Settings.fromEnvironment(
                        Map.of(
                            S3Settings.ENV_ENDPOINT,
                            "https://127.0.0.1:1",
                            S3Settings.ENV_CA,
                            notPem.toString()))));
    assertTrue(e.getMessage().contains(S3Settings.ENV_CA + "=" + notPem), e.getMessage());
  }

  static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), () -> "keytool " + String.join(" ", args) + ": " + out);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
