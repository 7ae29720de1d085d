package io.labelcurve.activities.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** {@link BlobStore} over the AWS SDK v2 S3 client. Thread-safe. */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  private final S3Client s3;
  private final String bucket;

  private S3BlobStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** Connects with the given settings; creates the bucket when it does not exist yet. */
  public static S3BlobStore connect(S3Settings settings) {
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(settings.region()))
            // The URL-connection client keeps the jar small and needs no extra threads.
            .httpClientBuilder(
                settings.caBundle() == null
                    ? UrlConnectionHttpClient.builder()
                    : UrlConnectionHttpClient.builder()
                        .tlsTrustManagersProvider(
                            PemTrust.provider(S3Settings.ENV_CA, settings.caBundle())))
            .forcePathStyle(settings.pathStyle());
    settings.endpointUri().ifPresent(builder::endpointOverride);
    if (settings.accessKey() != null && settings.secretKey() != null) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
    } else {
      builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    if (settings.checksumsWhenRequired()) {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    S3BlobStore store = new S3BlobStore(builder.build(), settings.bucket());
    store.ensureBucket();
    return store;
  }

  private void ensureBucket() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (NoSuchBucketException e) {
      try {
        s3.createBucket(b -> b.bucket(bucket));
      } catch (BucketAlreadyOwnedByYouException raced) {
        // Another worker created it first.
      }
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        try {
          s3.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException raced) {
          // Another worker created it first.
        }
      } else {
        throw e;
      }
    }
  }

  @Override
  public String bucket() {
    return bucket;
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    call(() -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes)));
  }

  @Override
  public void putFile(String key, Path file) throws IOException {
    call(() -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file)));
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    // Read into an array of the object's length: getObjectAsBytes grows a buffer by doubling, which
    // copies a 16 MiB frame shard about twice over (a measurable part of the frame-store path,
    // docs/BENCHMARKS.md).
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
      Long length = in.response().contentLength();
      if (length == null || length > Integer.MAX_VALUE - 8) {
        return Optional.of(in.readAllBytes());
      }
      // Straight into the array: readNBytes(int) would gather 8 KiB pieces and copy them again.
      byte[] bytes = new byte[length.intValue()];
      int read = in.readNBytes(bytes, 0, bytes.length);
      if (read != length || in.read() != -1) {
        throw new IOException(
            "s3://"
                + bucket
                + "/"
                + key
                + ": the object's body is not the "
                + length
                + " bytes its Content-Length says (cut off in transfer, or changed while read)");
      }
      return Optional.of(bytes);
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw new IOException("s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    try {
      ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
      return in;
    } catch (SdkException e) {
      throw new IOException("s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    try {
      s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build());
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw new IOException("s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    try {
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
        for (S3Object o : page.contents()) {
          // S3Proxy's filesystem store lists a "directory" as an extra key ending in '/'.
          if (!o.key().endsWith("/")) {
            keys.add(o.key());
          }
        }
      }
    } catch (SdkException e) {
      throw new IOException("listing s3://" + bucket + "/" + prefix + ": " + e.getMessage(), e);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    call(() -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
  }

  private void call(Runnable r) throws IOException {
    try {
      r.run();
    } catch (SdkException e) {
      throw new IOException("s3://" + bucket + ": " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public void close() {
    s3.close();
  }
}
