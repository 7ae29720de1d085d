package io.labelcurve.starter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses a port that is taken before {@code demo} or {@code up} start the embedded plane, naming
 * what holds it and the flag that picks another, instead of the Netty bind stack trace the test
 * server throws. The holder is read from Linux's {@code /proc} (the listening socket's inode and
 * the process with it open); elsewhere, or for another user's process, the message says only that
 * the port is taken.
 */
final class PortCheck {
  private PortCheck() {}

  /** Throws a {@link UserError} when {@code port} (not 0) cannot be bound. */
  static void requireFree(int port, String what, String flag) {
    if (port == 0) {
      return;
    }
    if (port < 0 || port > 65_535) {
      throw new UserError(flag + " " + port + ": not a port (1-65535, or 0 for a free one)");
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
    } catch (IOException taken) {
      throw new UserError(message(port, what, flag, holder(port)));
    }
  }

  static String message(int port, String what, String flag, Optional<String> holder) {
    String who = holder.map(h -> " by " + h).orElse(" by another process");
    String hint =
        holder
            .filter(h -> h.contains("labelcurve") && h.contains(" up"))
            .map(
                h ->
                    "\n  `labelcurve up` is running there: point commands at it (`labelcurve sweep"
                        + " start SPEC --wait` with the exports it printed) instead of a second plane, or")
            .orElse("\n ");
    return String.format(
        Locale.ROOT,
        "port %d for %s is in use%s%s choose another with %s %d"
            + " (a free one now), or stop what holds it",
        port,
        what,
        who,
        hint,
        flag,
        freePort());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      return 0;
    }
  }

  /** {@code pid 1234 (java … labelcurve.jar up)} of the process listening on {@code port}. */
  static Optional<String> holder(int port) {
    try {
      Optional<String> inode = listeningInode(port);
      if (inode.isEmpty()) {
        return Optional.empty();
      }
      String socket = "socket:[" + inode.get() + "]";
      try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
        for (Path proc : procs) {
          if (holds(proc, socket)) {
            return Optional.of("pid " + proc.getFileName() + " (" + commandLine(proc) + ")");
          }
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      // Not Linux, or /proc not readable: the message goes without the holder.
    }
    return Optional.empty();
  }

  /** The inode of the socket listening on {@code port}, from /proc/net/tcp and tcp6. */
  private static Optional<String> listeningInode(int port) throws IOException {
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.isReadable(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
        String[] f = line.trim().split("\\s+");
        // local_address is field 1, st (0A = LISTEN) field 3, inode field 9.
        if (f.length > 9 && f[1].endsWith(hexPort) && "0A".equals(f[3])) {
          return Optional.of(f[9]);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean holds(Path proc, String socket) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        try {
          if (socket.equals(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException gone) {
          // closed meanwhile
        }
      }
    } catch (IOException | SecurityException notOurs) {
      // another user's process
    }
    return false;
  }

  private static String commandLine(Path proc) {
    try {
      String cmd =
          new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ')
              .strip();
      // The class path of a java command line is long and says nothing here.
      cmd = cmd.replaceAll("-cp \\S+ |-classpath \\S+ ", "");
      return cmd.length() > 160 ? cmd.substring(0, 160) + "…" : cmd;
    } catch (IOException e) {
      return "?";
    }
  }
}
