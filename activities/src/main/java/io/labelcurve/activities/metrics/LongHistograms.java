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
  /**
   * Bucket upper bounds in milliseconds (Prometheus {@code le}): 5 ms to 1 s, 2.5 s to 30 s, 1 min
   * to 30 min, 1 h to 18 h, a day.
   */
  private static final long[] BOUNDS_MILLIS = {
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    1_200_000,
    1_800_000,
    3_600_000,
    7_200_000,
    14_400_000,
    28_800_000,
    43_200_000,
    64_800_000,
    86_400_000
  };

  private LongHistograms() {}

  /**
   * A filter to add to a registry before any meter is registered: every timer publishes the {@link
   * #BOUNDS_MILLIS} buckets and no percentile histogram of its own. Values past a day land in
   * {@code +Inf}.
   */
  public static MeterFilter filter() {
    double[] nanos =
        Arrays.stream(BOUNDS_MILLIS).mapToDouble(ms -> Duration.ofMillis(ms).toNanos()).toArray();
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
