package io.labelcurve.worker;

import com.uber.m3.tally.Scope;
import io.labelcurve.activities.storage.PemTrust;
import io.labelcurve.activities.storage.SecretFiles;
import io.temporal.authorization.AuthorizationTokenSupplier;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to reach Temporal: address, namespace and TLS (mTLS client certificate or an API key), from
 * flags or the environment, never from a spec. {@link #toString()} never prints the key.
 *
 * @param address {@code host:port}
 * @param namespace Temporal namespace
 * @param tlsCert PEM client certificate for mTLS, or null
 * @param tlsKey PEM PKCS#8 client key for mTLS, or null
 * @param tlsCa PEM CA bundle to trust, or null for the system's
 * @param apiKey Temporal Cloud API key, or null; implies TLS
 */
public record TemporalSettings(
    String address, String namespace, Path tlsCert, Path tlsKey, Path tlsCa, String apiKey) {

  public static final String ENV_ADDRESS = "LABELCURVE_TEMPORAL_ADDRESS";
  public static final String ENV_NAMESPACE = "LABELCURVE_TEMPORAL_NAMESPACE";
  public static final String ENV_TLS_CERT = "LABELCURVE_TEMPORAL_TLS_CERT";
  public static final String ENV_TLS_KEY = "LABELCURVE_TEMPORAL_TLS_KEY";
  public static final String ENV_TLS_CA = "LABELCURVE_TEMPORAL_TLS_CA";
  public static final String ENV_API_KEY = "LABELCURVE_TEMPORAL_API_KEY";

  /** A file holding the API key (compose/Kubernetes secrets), instead of the variable. */
  public static final String ENV_API_KEY_FILE = "LABELCURVE_TEMPORAL_API_KEY_FILE";

  /**
   * Temporal's own variables, read when the LABELCURVE_ one is not set, so that a shell set up for
   * the {@code temporal} CLI or an SDK's environment configuration needs nothing more. For each
   * setting: the envconfig name (Temporal's SDKs and current CLI) first, then the older CLI's.
   */
  public static final java.util.List<String> TEMPORAL_ADDRESS =
      java.util.List.of("TEMPORAL_ADDRESS");

  public static final java.util.List<String> TEMPORAL_NAMESPACE =
      java.util.List.of("TEMPORAL_NAMESPACE");
  public static final java.util.List<String> TEMPORAL_API_KEY =
      java.util.List.of("TEMPORAL_API_KEY");
  public static final java.util.List<String> TEMPORAL_TLS_CERT =
      java.util.List.of("TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CERT");
  public static final java.util.List<String> TEMPORAL_TLS_KEY =
      java.util.List.of("TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_KEY");
  public static final java.util.List<String> TEMPORAL_TLS_CA =
      java.util.List.of("TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_CA");

  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  /**
   * Each setting from its {@code LABELCURVE_TEMPORAL_*} variable, else from Temporal's own ({@link
   * #TEMPORAL_ADDRESS} …), else its default. A blank value counts as unset.
   */
  public static TemporalSettings fromEnvironment(Map<String, String> env) {
    String address = lookup(env, ENV_ADDRESS, TEMPORAL_ADDRESS);
    String namespace = lookup(env, ENV_NAMESPACE, TEMPORAL_NAMESPACE);
    return new TemporalSettings(
        address == null ? DEFAULT_ADDRESS : address,
        namespace == null ? DEFAULT_NAMESPACE : namespace,
        path(lookup(env, ENV_TLS_CERT, TEMPORAL_TLS_CERT)),
        path(lookup(env, ENV_TLS_KEY, TEMPORAL_TLS_KEY)),
        path(lookup(env, ENV_TLS_CA, TEMPORAL_TLS_CA)),
        apiKey(env));
  }

  /** The API key: labelcurve's variable or its file, else Temporal's variable, else null. */
  private static String apiKey(Map<String, String> env) {
    String own = SecretFiles.valueOrFile(env, ENV_API_KEY, ENV_API_KEY_FILE);
    return own != null ? own : lookup(env, ENV_API_KEY, TEMPORAL_API_KEY);
  }

  /** The first non-blank of {@code own} and then {@code fallbacks}, or null. */
  static String lookup(Map<String, String> env, String own, java.util.List<String> fallbacks) {
    String v = blankToNull(env.get(own));
    for (int i = 0; v == null && i < fallbacks.size(); i++) {
      v = blankToNull(env.get(fallbacks.get(i)));
    }
    return v;
  }

  public TemporalSettings withAddress(String newAddress) {
    return new TemporalSettings(newAddress, namespace, tlsCert, tlsKey, tlsCa, apiKey);
  }

  public TemporalSettings withNamespace(String newNamespace) {
    return new TemporalSettings(address, newNamespace, tlsCert, tlsKey, tlsCa, apiKey);
  }

  public boolean tls() {
    return tlsCert != null || apiKey != null || tlsCa != null;
  }

  /** Connects, reporting the SDK's metrics to {@code metrics} when it is not null. */
  public WorkflowServiceStubs connect(Scope metrics) throws IOException {
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (metrics != null) {
      options.setMetricsScope(metrics);
    }
    if (tlsCert != null || tlsKey != null) {
      if (tlsCert == null || tlsKey == null) {
        throw new IllegalArgumentException(
            ENV_TLS_CERT
                + " and "
                + ENV_TLS_KEY
                + " (or "
                + TEMPORAL_TLS_CERT.get(0)
                + " and "
                + TEMPORAL_TLS_KEY.get(0)
                + ") go together: mTLS needs both the client certificate and its key");
      }
      try (InputStream cert = Files.newInputStream(tlsCert);
          InputStream key = Files.newInputStream(tlsKey)) {
        SimpleSslContextBuilder ssl = SimpleSslContextBuilder.forPKCS8(cert, key);
        if (tlsCa != null) {
          ssl.setTrustManager(trustManager(tlsCa));
        }
        options.setSslContext(ssl.build());
      }
    } else if (tlsCa != null) {
      options.setSslContext(
          SimpleSslContextBuilder.noKeyOrCertChain().setTrustManager(trustManager(tlsCa)).build());
    }
    if (apiKey != null) {
      String key = apiKey;
      options.addApiKey((AuthorizationTokenSupplier) () -> key);
      if (tlsCert == null && tlsCa == null) {
        options.setEnableHttps(true);
      }
    }
    return WorkflowServiceStubs.newServiceStubs(options.build());
  }

  private static javax.net.ssl.TrustManager trustManager(Path ca) throws IOException {
    try {
      return PemTrust.trusting(PemTrust.keyStore(ca))[0];
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot read the CA bundle " + ca + ": " + e.getMessage(), e);
    }
  }

  private static Path path(String v) {
    return blankToNull(v) == null ? null : Path.of(v);
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v;
  }

  @Override
  public String toString() {
    return "Temporal["
        + address
        + ", namespace "
        + namespace
        + (tlsCert != null ? ", mTLS" : tlsCa != null ? ", TLS" : "")
        + (apiKey != null ? ", API key (hidden)" : "")
        + "]";
  }
}
