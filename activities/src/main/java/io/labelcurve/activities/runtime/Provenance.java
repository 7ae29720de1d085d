package io.labelcurve.activities.runtime;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every result records of the software and machine that computed it. */
public final class Provenance {
  private Provenance() {}

  /** labelcurve's version, from the jar's manifest ("dev" when run from classes). */
  public static String version() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Version, Java, OS, host name, processors and memory of this worker. */
  public static Map<String, String> worker() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("labelcurve_version", version());
    p.put("java", System.getProperty("java.version"));
    p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    p.put("host", hostName());
    p.put("processors", String.valueOf(Runtime.getRuntime().availableProcessors()));
    p.put("max_memory_mib", String.valueOf(Runtime.getRuntime().maxMemory() >> 20));
    return p;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
