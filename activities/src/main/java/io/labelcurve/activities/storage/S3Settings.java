package io.labelcurve.activities.storage;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach the bucket. Taken from flags or the environment, never from a spec; credentials are
 * never logged ({@link #toString()} leaves them out).
 *
 * @param endpoint S3 endpoint, e.g. {@code http://127.0.0.1:9000}; null for AWS's own
 * @param region region name (S3Proxy and MinIO accept any)
 * @param bucket the one bucket of labelcurve
 * @param accessKey access key id; null to use the SDK's default provider chain (instance roles)
 * @param secretKey secret key; null to use the SDK's default provider chain
 * @param pathStyle path-style addressing (S3Proxy and MinIO need it)
 * @param checksumsWhenRequired send and validate checksums only when an operation requires them;
 *     S3Proxy 2.6 refuses the SDK's default trailing checksums, MinIO and AWS accept them
 * @param caBundle PEM CA certificates to trust for an https endpoint (a MinIO with its own CA),
 *     instead of the JVM's; null for the JVM's
 */
public record S3Settings(
    String endpoint,
    String region,
    String bucket,
    String accessKey,
    String secretKey,
    boolean pathStyle,
    boolean checksumsWhenRequired,
    java.nio.file.Path caBundle) {

  /** Settings that trust the JVM's CAs. */
  public S3Settings(
      String endpoint,
      String region,
      String bucket,
      String accessKey,
      String secretKey,
      boolean pathStyle,
      boolean checksumsWhenRequired) {
    this(endpoint, region, bucket, accessKey, secretKey, pathStyle, checksumsWhenRequired, null);
  }

  public static final String ENV_ENDPOINT = "LABELCURVE_S3_ENDPOINT";
  public static final String ENV_REGION = "LABELCURVE_S3_REGION";
  public static final String ENV_BUCKET = "LABELCURVE_S3_BUCKET";
  public static final String ENV_ACCESS_KEY = "LABELCURVE_S3_ACCESS_KEY";
  public static final String ENV_SECRET_KEY = "LABELCURVE_S3_SECRET_KEY";

  /**
   * A file holding the secret key (compose {@code secrets:}, a Kubernetes Secret volume): the key
   * then never passes through an environment variable or a shell.
   */
  public static final String ENV_SECRET_KEY_FILE = "LABELCURVE_S3_SECRET_KEY_FILE";

  /** A file holding the access key id, for symmetry with {@link #ENV_SECRET_KEY_FILE}. */
  public static final String ENV_ACCESS_KEY_FILE = "LABELCURVE_S3_ACCESS_KEY_FILE";

  public static final String ENV_PATH_STYLE = "LABELCURVE_S3_PATH_STYLE";
  public static final String ENV_CHECKSUMS_WHEN_REQUIRED = "LABELCURVE_S3_CHECKSUMS_WHEN_REQUIRED";

  /** PEM CA bundle for an https endpoint signed by a private CA (deploy/compose/tls.yml). */
  public static final String ENV_CA = "LABELCURVE_S3_CA";

  public static final String DEFAULT_BUCKET = "labelcurve";

  /**
   * Settings from the environment; unset values take defaults that suit S3Proxy/MinIO. A key may
   * come from a file ({@value #ENV_SECRET_KEY_FILE}, {@value #ENV_ACCESS_KEY_FILE}) instead of the
   * variable itself, not both.
   *
   * @throws io.labelcurve.activities.BadInputException naming the variable and the file when both
   *     are set or the file cannot be read (never the key)
   */
  public static S3Settings fromEnvironment(Map<String, String> env) {
    return new S3Settings(
        env.get(ENV_ENDPOINT),
        env.getOrDefault(ENV_REGION, "us-east-1"),
        env.getOrDefault(ENV_BUCKET, DEFAULT_BUCKET),
        SecretFiles.valueOrFile(env, ENV_ACCESS_KEY, ENV_ACCESS_KEY_FILE),
        SecretFiles.valueOrFile(env, ENV_SECRET_KEY, ENV_SECRET_KEY_FILE),
        Boolean.parseBoolean(env.getOrDefault(ENV_PATH_STYLE, "true")),
        Boolean.parseBoolean(env.getOrDefault(ENV_CHECKSUMS_WHEN_REQUIRED, "true")),
        env.get(ENV_CA) == null || env.get(ENV_CA).isBlank()
            ? null
            : java.nio.file.Path.of(env.get(ENV_CA)));
  }

  /** The endpoint as a URI, when one is set. */
  public Optional<URI> endpointUri() {
    return Optional.ofNullable(endpoint).filter(e -> !e.isBlank()).map(URI::create);
  }

  /** These settings with another endpoint and static credentials (the embedded S3Proxy). */
  public S3Settings withEndpoint(String newEndpoint, String newAccessKey, String newSecretKey) {
    return new S3Settings(
        newEndpoint,
        region,
        bucket,
        newAccessKey,
        newSecretKey,
        pathStyle,
        checksumsWhenRequired,
        caBundle);
  }

  @Override
  public String toString() {
    return "S3Settings[endpoint="
        + endpoint
        + ", region="
        + region
        + ", bucket="
        + bucket
        + ", credentials="
        + (accessKey == null ? "default chain" : "static (hidden)")
        + ", pathStyle="
        + pathStyle
        + ", checksumsWhenRequired="
        + checksumsWhenRequired
        + (caBundle == null ? "" : ", ca=" + caBundle)
        + "]";
  }
}
