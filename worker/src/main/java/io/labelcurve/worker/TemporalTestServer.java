package io.labelcurve.worker;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's Java test server on one address and port. {@code TestServer.createPortBoundServer}
 * binds every interface and takes no address; this does what it does (the same services, health
 * checks and time-skipping lock) on the address given, loopback by default, so that an
 * unauthenticated server is not reachable from the network unless asked for ({@code up --listen}).
 * It uses the SDK's {@code internal.testservice} classes, as TestServer itself does.
 */
final class TemporalTestServer implements AutoCloseable {
  private final TestServicesStarter services;
  private final Server server;

  private TemporalTestServer(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  static TemporalTestServer start(String address, int port) throws IOException {
    // lockTimeSkipping = true, initial time 0 (now): what createPortBoundServer(port) uses.
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(address, port));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      return new TemporalTestServer(services, builder.build().start());
    } catch (IOException e) {
      services.close();
      throw new IOException("cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    services.close();
  }
}
