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

  /**
   * The software and machine of a worker.
   *
   * @param labelcurveVersion {@link #version()}
   * @param java the Java version
   * @param os name and architecture
   * @param host host name, {@code unknown} when it cannot be resolved
   * @param processors processors the JVM sees
   * @param maxMemoryMib the JVM's heap limit
   */
  public record Worker(
      String labelcurveVersion,
      String java,
      String os,
      String host,
      int processors,
      long maxMemoryMib) {

    /** The keys a result's provenance has always had for these. */
    public Map<String, String> asMap() {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("labelcurve_version", labelcurveVersion);
      p.put("java", java);
      p.put("os", os);
      p.put("host", host);
      p.put("processors", String.valueOf(processors));
      p.put("max_memory_mib", String.valueOf(maxMemoryMib));
      return p;
    }
  }

  /** This worker. */
  public static Worker worker() {
    return new Worker(
        version(),
        System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        hostName(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
