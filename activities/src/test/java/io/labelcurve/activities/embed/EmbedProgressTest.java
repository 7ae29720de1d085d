package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The extraction's heartbeat details through Temporal's own data converter: the record round-trips,
 * and the bare shard index that older workers heartbeated still reads as a resume position.
 */
class EmbedProgressTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;

  @Test
  void progressRoundTripsThroughTheDataConverter() {
    EmbedProgress p = new EmbedProgress(3, 2_000, 2_450, 1_500, 60.0);
    Payloads payloads = CONVERTER.toPayloads(p).orElseThrow();
    EmbedProgress back =
        CONVERTER.fromPayloads(0, Optional.of(payloads), EmbedProgress.class, EmbedProgress.class);
    assertEquals(p, back);
    assertTrue(back.counted());
    assertEquals(25.0, back.imagesPerSecond(), 1e-9);
  }

  @Test
  void aBareShardIndexOfAnOlderWorkerReadsAsAPositionWithoutCounts() {
    Payloads old = CONVERTER.toPayloads(7).orElseThrow();
    EmbedProgress back =
        CONVERTER.fromPayloads(0, Optional.of(old), EmbedProgress.class, EmbedProgress.class);
    assertEquals(7, back.shardsDoneThrough());
    assertFalse(back.counted());
    assertEquals(0.0, back.imagesPerSecond());
  }
}
