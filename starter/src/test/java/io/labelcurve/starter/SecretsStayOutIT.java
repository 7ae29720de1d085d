package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.TemporalSettings;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.authorization.AuthorizationTokenSupplier;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets are shown to stay out, not promised to: a sweep runs on the embedded plane with a
 * recognisable S3 secret and a recognisable Temporal API key, and neither appears in any workflow
 * history (every event's bytes, payloads included), log line, report, results or cell file,
 * embedding, or metric (names, labels, values) of the processes that held them.
 *
 * <p>The S3 secret is real: a second S3Proxy over the plane's bucket folder accepts only it, and
 * both the CLI ({@code sweep start --wait}, {@code report}) and an embedding worker are separate
 * processes that reach the bucket through it, from their environment alone. The API key is sent as
 * gRPC metadata on every call of this test's client (sweep status while it runs, the histories),
 * which the Temporal test server ignores; a process cannot be given it through the environment
 * here, since a key turns TLS on and the test server speaks plaintext.
 *
 * <p>The same run shows the embedding progress line: {@code sweep start --wait} prints it, and
 * {@code sweep status}'s JSON has images done of the model's total while the worker embeds.
 */
class SecretsStayOutIT {
  static final String S3_ACCESS = "lc-access-9c1d";
  static final String S3_SECRET = "LCSECRET-s3-5e0b7f21c4d9a8";
  static final String API_KEY = "LCSECRET-apikey-3a6f90d2b7e1c5";
  static final String MODEL = "random-resnet18";

  @TempDir Path dir;

  @Test
  void neitherTheS3SecretNorTheApiKeyAppearsAnywhereASweepWrites() throws Exception {
    Path data = dir.resolve("data");
    Path models = Files.createDirectories(dir.resolve("models"));
    Path logs = Files.createDirectories(dir.resolve("logs"));
    try (EmbeddedControlPlane plane =
            EmbeddedControlPlane.start(
                new EmbeddedControlPlane.Options(
                    data,
                    LabelcurveProcesses.freePort(),
                    0,
                    0,
                    ModelCatalog.load(models),
                    2,
                    Set.of(WorkerRuntime.CPU_QUEUE)));
        EmbeddedS3 secretS3 = EmbeddedS3.start(data.resolve("s3"), 0, S3_ACCESS, S3_SECRET)) {
      PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
      Path spec = dir.resolve("spec.yaml");
      Files.writeString(
          spec,
          String.join(
              "\n",
              "id: secrets-sweep",
              "dataset: phantom/manifest.csv",
              "train_split: train",
              "test_splits: [T1]",
              "models: [" + MODEL + "]",
              "adaptations: [linear-probe]",
              "sampling:",
              "  image: {sizes: [16, 32]}",
              "seeds: 1",
              "preset: cpu-small",
              "max_cells_in_flight: 2",
              ""));

      // Temporal's own variable for the address (a fallback the CLI honours); the bucket only
      // through the proxy that takes the recognisable secret.
      Map<String, String> env = new LinkedHashMap<>();
      env.put(TemporalSettings.ENV_ADDRESS, null);
      env.put("TEMPORAL_ADDRESS", plane.temporalAddress());
      env.put(S3Settings.ENV_ENDPOINT, secretS3.endpoint());
      env.put(S3Settings.ENV_ACCESS_KEY, S3_ACCESS);
      env.put(S3Settings.ENV_SECRET_KEY, S3_SECRET);
      env.put("LABELCURVE_LOG_LEVEL", "DEBUG");
      int workerMetrics = LabelcurveProcesses.freePort();
      Process worker =
          LabelcurveProcesses.start(
              logs.resolve("worker.log"),
              env,
              List.of(
                  "worker",
                  "--queues",
                  WorkerRuntime.GPU_QUEUE + "," + WorkerRuntime.EMBED_QUEUE,
                  "--no-workflows",
                  "--metrics-port",
                  String.valueOf(workerMetrics),
                  "--metrics-bind",
                  "127.0.0.1",
                  "--shard-size",
                  "32",
                  "--models",
                  models.toString()));
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget(plane.temporalAddress())
                  .addApiKey((AuthorizationTokenSupplier) () -> API_KEY)
                  // A key turns TLS on by default; the test server speaks plaintext and ignores it.
                  .setEnableHttps(false)
                  .build());
      try {
        WorkflowClient client =
            WorkflowClient.newInstance(
                stubs,
                WorkflowClientOptions.newBuilder()
                    .setNamespace(EmbeddedControlPlane.NAMESPACE)
                    .build());
        Path cliLog = logs.resolve("sweep-start.log");
        Process cli =
            LabelcurveProcesses.start(
                cliLog,
                env,
                List.of(
                    "sweep", "start", spec.toString(), "--wait", "--models", models.toString()));

        // While it runs, this client (with the key) asks for the status; once the worker embeds,
        // the status names images done of the model's total.
        List<Map<String, Object>> embedding = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (cli.isAlive() && System.nanoTime() < deadline) {
          try {
            SweepOps.Status s = SweepOps.status(client, plane.store(), "secrets-sweep");
            for (EmbeddingProgress.Model m : s.embedding()) {
              if (m.done() > 0) {
                embedding.add(EmbeddingProgress.json(m));
              }
            }
          } catch (RuntimeException | IOException notYet) {
            // not started, or spec.json not written yet
          }
          Thread.sleep(300);
        }
        assertTrue(cli.waitFor(1, TimeUnit.MINUTES), "sweep start --wait did not end");
        String cliOut = LabelcurveProcesses.read(cliLog);
        assertEquals(ExitCode.OK.code(), cli.exitValue(), cliOut);
        assertTrue(
            cliOut.contains("run id")
                && cliOut.contains("/namespaces/default/workflows/" + "secrets-sweep/"),
            cliOut);
        assertTrue(
            cliOut.lines().anyMatch(l -> l.contains("embedding  " + MODEL) && l.contains("images")),
            "an embedding line in:\n" + cliOut);
        assertFalse(embedding.isEmpty(), "sweep status showed no embedding progress");
        Map<String, Object> seen = embedding.get(0);
        assertEquals(MODEL, seen.get("model"));
        assertTrue(((Number) seen.get("images")).longValue() > 0, seen.toString());
        // The line moved while the model embedded, never back (the samples are in time order),
        // and showed a rate: the ranges after a slot's first reuse its loaded model, so their first
        // heartbeat is a computed batch's.
        assertTrue(
            embedding.stream()
                    .mapToLong(e -> ((Number) e.get("images_done")).longValue())
                    .max()
                    .orElse(0)
                > ((Number) seen.get("images_done")).longValue(),
            embedding.toString());
        for (int i = 1; i < embedding.size(); i++) {
          assertTrue(
              ((Number) embedding.get(i).get("images_done")).longValue()
                  >= ((Number) embedding.get(i - 1).get("images_done")).longValue(),
              "images done stepped back: " + embedding);
        }
        assertTrue(
            embedding.stream()
                .anyMatch(
                    e ->
                        "embedding".equals(e.get("state"))
                            && ((Number) e.get("images_per_second")).doubleValue() > 0
                            && e.get("eta_seconds") != null),
            embedding.toString());
        assertTrue(
            embedding.stream()
                .allMatch(
                    e ->
                        ((Number) e.get("images_done")).longValue()
                            <= ((Number) e.get("images")).longValue()),
            embedding.toString());

        Process report =
            LabelcurveProcesses.start(
                logs.resolve("report.log"),
                env,
                List.of("report", "secrets-sweep", "--out", dir.resolve("report").toString()));
        assertTrue(report.waitFor(3, TimeUnit.MINUTES));
        assertEquals(0, report.exitValue(), LabelcurveProcesses.read(logs.resolve("report.log")));

        // Metrics of the worker that held the S3 secret, and of the plane.
        Files.writeString(
            logs.resolve("worker-metrics.txt"),
            scrape("http://127.0.0.1:" + workerMetrics + "/metrics"));
        Files.writeString(logs.resolve("plane-metrics.txt"), scrape(plane.metrics().url()));

        // Every history event's bytes: inputs, results, heartbeats, failures, headers, memos.
        List<String> histories =
            List.of("secrets-sweep", ModelSweepWorkflow.workflowId("secrets-sweep", MODEL));
        int events = 0;
        for (String id : histories) {
          for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
            byte[] bytes = e.toByteArray();
            assertFalse(contains(bytes, S3_SECRET), id + " event " + e.getEventId());
            assertFalse(contains(bytes, API_KEY), id + " event " + e.getEventId());
            events++;
          }
        }
        assertTrue(events > 20, "histories read: " + events + " events");
      } finally {
        worker.destroy();
        worker.waitFor(60, TimeUnit.SECONDS);
        stubs.shutdown();
      }

      // Every file: the bucket (spec, cells, results.csv, report, embeddings, failures), the
      // report written by the CLI, the processes' logs and the scraped metrics.
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      assertTrue(files.stream().anyMatch(f -> f.endsWith("results.csv")), files.toString());
      assertTrue(
          files.stream()
              .anyMatch(
                  f -> f.toString().contains("report") && f.toString().endsWith("index.html")),
          files.toString());
      assertTrue(Files.readString(logs.resolve("worker-metrics.txt")).contains("labelcurve_"));
      assertTrue(
          LabelcurveProcesses.read(logs.resolve("worker.log")).contains("computed"),
          "the worker logged its extraction");
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        assertFalse(contains(bytes, S3_SECRET), "the S3 secret is in " + dir.relativize(f));
        assertFalse(contains(bytes, API_KEY), "the API key is in " + dir.relativize(f));
      }
    }
  }

  @Test
  void theSearchFindsASecretWhereItIs() {
    // The check above can fail: the same search finds the secret in bytes that hold it.
    assertTrue(contains(("x=" + S3_SECRET + "\n").getBytes(StandardCharsets.UTF_8), S3_SECRET));
    assertFalse(contains("nothing here".getBytes(StandardCharsets.UTF_8), S3_SECRET));
  }

  private static boolean contains(byte[] haystack, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (haystack[i + j] != n[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url);
    return r.body();
  }
}
