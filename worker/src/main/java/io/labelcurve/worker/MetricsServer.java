package io.labelcurve.worker;

import com.sun.net.httpserver.HttpServer;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.util.Duration;
import io.labelcurve.activities.metrics.LongHistograms;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * One Prometheus registry per process, served at {@code http://host:port/metrics}: the Temporal
 * SDK's meters (through {@link MicrometerClientStatsReporter}) and labelcurve's own.
 */
public final class MetricsServer implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final Scope temporalScope;
  private final HttpServer http;

  private MetricsServer(PrometheusMeterRegistry registry, Scope temporalScope, HttpServer http) {
    this.registry = registry;
    this.temporalScope = temporalScope;
    this.http = http;
  }

  /**
   * Starts serving on {@code bind:port} (port 0 picks a free one). Bind to 0.0.0.0 in a container
   * so that Prometheus can scrape it; the embedded mode binds to loopback.
   */
  public static MetricsServer start(String bind, int port) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Before any meter: the SDK's timers and labelcurve's get buckets up to a day.
    registry.config().meterFilter(LongHistograms.filter());
    // Report the SDK's tally metrics every second: scrapes come every few seconds.
    Scope scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(Duration.ofSeconds(1));
    HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 0);
    http.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    return new MetricsServer(registry, scope, http);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The scope to hand to the Temporal service stubs and worker factory. */
  public Scope temporalScope() {
    return temporalScope;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  public String url() {
    String host =
        http.getAddress().getAddress().isAnyLocalAddress()
            ? "127.0.0.1"
            : http.getAddress().getHostString();
    return "http://" + host + ":" + port() + "/metrics";
  }

  @Override
  public void close() {
    http.stop(0);
    try {
      temporalScope.close();
    } catch (com.uber.m3.tally.ScopeCloseException e) {
      // The last report is lost; the process is stopping.
    }
    registry.close();
  }
}
