package io.labelcurve.starter;

import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.TemporalSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Where Temporal and the bucket are: flags over environment variables ({@code
 * LABELCURVE_TEMPORAL_*}, {@code LABELCURVE_S3_*}). Credentials only from the environment.
 */
final class ConnectionOptions {
  @Option(
      names = "--temporal",
      description =
          "Temporal address host:port (env "
              + TemporalSettings.ENV_ADDRESS
              + ", default "
              + TemporalSettings.DEFAULT_ADDRESS
              + ")")
  String temporal;

  @Option(
      names = "--namespace",
      description =
          "Temporal namespace (env " + TemporalSettings.ENV_NAMESPACE + ", default default)")
  String namespace;

  @Option(
      names = "--s3-endpoint",
      description = "S3 endpoint URL (env " + S3Settings.ENV_ENDPOINT + ")")
  String s3Endpoint;

  @Option(
      names = "--bucket",
      description = "bucket (env " + S3Settings.ENV_BUCKET + ", default labelcurve)")
  String bucket;

  TemporalSettings temporalSettings() {
    TemporalSettings s = TemporalSettings.fromEnvironment(System.getenv());
    if (temporal != null) {
      s = s.withAddress(temporal);
    }
    if (namespace != null) {
      s = s.withNamespace(namespace);
    }
    return s;
  }

  S3Settings s3Settings() {
    S3Settings s = S3Settings.fromEnvironment(System.getenv());
    if (s3Endpoint != null || bucket != null) {
      s =
          new S3Settings(
              s3Endpoint != null ? s3Endpoint : s.endpoint(),
              s.region(),
              bucket != null ? bucket : s.bucket(),
              s.accessKey(),
              s.secretKey(),
              s.pathStyle(),
              s.checksumsWhenRequired());
    }
    return s;
  }

  /** A client of the configured Temporal namespace; the caller shuts the stubs down. */
  WorkflowClient client(WorkflowServiceStubs stubs) {
    return WorkflowClient.newInstance(
        stubs,
        WorkflowClientOptions.newBuilder().setNamespace(temporalSettings().namespace()).build());
  }

  /** Stubs of the configured server; a TLS setting that cannot work is a {@link UserError}. */
  WorkflowServiceStubs stubs() throws IOException {
    try {
      return temporalSettings().connect(null);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserError(
          "Temporal TLS: no file "
              + e.getFile()
              + " ("
              + TemporalSettings.ENV_TLS_CERT
              + ", "
              + TemporalSettings.ENV_TLS_KEY
              + ", "
              + TemporalSettings.ENV_TLS_CA
              + " or Temporal's own TEMPORAL_TLS_* name it)");
    }
  }

  /** The environment variable with the Temporal UI's base URL. */
  static final String ENV_UI_URL = "LABELCURVE_UI_URL";

  /** The UI of the compose file ({@code docker-compose.yml} publishes it on 8080). */
  static final String DEFAULT_UI_URL = "http://localhost:8080";

  /** The Temporal UI page of one workflow run ({@value #ENV_UI_URL}, default the compose UI). */
  String uiUrl(String workflowId, String runId) {
    String base = System.getenv().getOrDefault(ENV_UI_URL, "");
    return uiUrl(
        base.isBlank() ? DEFAULT_UI_URL : base, temporalSettings().namespace(), workflowId, runId);
  }

  static String uiUrl(String base, String namespace, String workflowId, String runId) {
    String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return b
        + "/namespaces/"
        + encode(namespace)
        + "/workflows/"
        + encode(workflowId)
        + "/"
        + encode(runId);
  }

  private static String encode(String segment) {
    return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  /** The bucket; a bucket that cannot be reached is a {@link UserError} saying what to set. */
  S3BlobStore store() {
    S3Settings s = s3Settings();
    try {
      return S3BlobStore.connect(s);
    } catch (SdkClientException e) {
      throw new UserError(
          "cannot reach bucket '"
              + s.bucket()
              + "' at "
              + (s.endpoint() == null
                  ? "AWS S3 (" + S3Settings.ENV_ENDPOINT + " is not set)"
                  : s.endpoint())
              + ": "
              + firstLine(e.getMessage())
              + "\n  for a local `labelcurve up`, set what it prints: "
              + S3Settings.ENV_ENDPOINT
              + ", "
              + S3Settings.ENV_ACCESS_KEY
              + " and "
              + S3Settings.ENV_SECRET_KEY
              + "; for a cluster, those of its .env (README, 'Run on a cluster')",
          // No credentials anywhere is the user's to set; anything else is the bucket not
          // answering.
          String.valueOf(e.getMessage()).contains("credentials")
              ? ExitCode.BAD_INPUT
              : ExitCode.UNREACHABLE);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int cut = message.indexOf(" from any of the providers");
    cut = cut > 0 ? cut : message.indexOf(" : [");
    String m = cut > 0 ? message.substring(0, cut) : message;
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }
}
