package io.labelcurve.worker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The embedded Temporal server listens on loopback unless told otherwise (issue 17). */
class TemporalTestServerTest {
  @Test
  void onLoopbackItIsNotReachableOnTheMachinesOtherAddresses() throws IOException {
    InetAddress other = nonLoopbackAddress();
    assumeTrue(other != null, "this machine has no non-loopback IPv4 address to try");
    int port = freePort();
    try (TemporalTestServer server = TemporalTestServer.start("127.0.0.1", port)) {
      connect(InetAddress.getLoopbackAddress(), port); // reachable here
      assertThrows(IOException.class, () -> connect(other, port), "reachable on " + other);
    }
    // ... and on the wildcard address it is reachable there (the test can fail).
    try (TemporalTestServer server = TemporalTestServer.start("0.0.0.0", port)) {
      connect(other, port);
    }
  }

  static void connect(InetAddress address, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 2000);
    }
  }

  static InetAddress nonLoopbackAddress() throws IOException {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address) {
          return a;
        }
      }
    }
    return null;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
