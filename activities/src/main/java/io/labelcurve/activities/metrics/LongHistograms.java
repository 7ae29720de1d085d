package io.labelcurve.activities.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Arrays;

/**
 * Histogram buckets for every timer of a registry, labelcurve's and the Temporal SDK's, from 5 ms
 * to a day.
 *
 * <p>Why: the SDK's {@code MicrometerClientStatsReporter} registers its timers with {@code
 * publishPercentileHistogram(true)}, and Micrometer's percentile histogram ends at its default
 * maximum expected value of 30 s, so the p95 of an activity that runs for minutes or hours read
 * about 30 s. A fixed set of 25 boundaries (instead of Micrometer's ~100 between 1 ms and a day)
 * keeps the number of series per timer small; the steps double or so up to an hour, then go by
 * hours, so that both a 2-second bookkeeping activity and a 20-hour extraction fall in a bucket
 * whose width is well under the value.
 */
public final class LongHistograms {
  /** Bucket upper bounds (Prometheus {@code le}), the last one a day. */
  public static final Duration[] BOUNDS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofMinutes(1),
    Duration.ofMinutes(2),
    Duration.ofMinutes(5),
    Duration.ofMinutes(10),
    Duration.ofMinutes(20),
    Duration.ofMinutes(30),
    Duration.ofHours(1),
    Duration.ofHours(2),
    Duration.ofHours(4),
    Duration.ofHours(8),
    Duration.ofHours(12),
    Duration.ofHours(18),
    Duration.ofDays(1)
  };

  private LongHistograms() {}

  /**
   * A filter to add to a registry before any meter is registered: every timer publishes the {@link
   * #BOUNDS} buckets and no percentile histogram of its own. Values past a day land in {@code
   * +Inf}.
   */
  public static MeterFilter filter() {
    double[] nanos = Arrays.stream(BOUNDS).mapToDouble(Duration::toNanos).toArray();
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER) {
          return config;
        }
        // merge: what is set here wins over what the meter's builder asked for.
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(false)
            .serviceLevelObjectives(nanos)
            .minimumExpectedValue(nanos[0])
            .maximumExpectedValue(nanos[nanos.length - 1])
            .build()
            .merge(config);
      }
    };
  }
}
