package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.npy.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingExtractorTest {
  private static final int N = 50;
  private static final int SHARD = 8;
  private static final String PREFIX = EmbeddingExtractor.prefix("tiny-cnn-0123456789ab", "ds1",
      "train");
  private static ModelCatalog catalog;
  private static Encoder encoder;
  private static List<String> ids;

  @BeforeAll
  static void open() {
    catalog = ModelCatalog.load(TestModels.fixtureCatalog());
    encoder = Encoders.open(catalog, catalog.get("tiny-cnn"), Device.cpu());
    ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add("frames/seq" + (i / 10) + "/img-" + i + ".png" + (i % 3 == 0 ? "#v1" : ""));
    }
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  /** Synthetic images from the id; counts loads. */
  static final class Loader implements ImageLoader {
    final AtomicInteger loads = new AtomicInteger();
    final Set<String> loaded = ConcurrentHashMap.newKeySet();

    @Override
    public GreyImage load(String id) {
      loads.incrementAndGet();
      loaded.add(id);
      int h = id.hashCode();
      float[] p = new float[256 * 256];
      for (int i = 0; i < p.length; i++) {
        int x = i % 256;
        int y = i / 256;
        p[i] = (float) (0.5 + 0.5 * Math.sin(((h & 0xff) + 1) * 0.01 * x + ((h >> 8 & 0xff) + 1)
            * 0.007 * y));
      }
      return new GreyImage(256, 256, p);
    }
  }

  private static ExtractionJob.Builder job(InMemoryBlobStore store, Loader loader) {
    return ExtractionJob.builder().ids(ids).loader(loader).encoder(encoder).store(store)
        .prefix(PREFIX).provenance("tiny-cnn", "0123456789abcdef", "ds1", "train")
        .shardSize(SHARD).batchSize(3).decodeThreads(2);
  }

  @Test
  void writesAllShardsInOrderAndRerunComputesNothing() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    Loader loader = new Loader();
    List<Integer> heartbeats = new ArrayList<>();
    ExtractionResult r = EmbeddingExtractor.run(job(store, loader).listener(heartbeats::add)
        .build());
    assertEquals(N, r.computed());
    assertEquals(0, r.fromCache());
    assertEquals(7, r.shards());
    assertEquals(16, r.dim());
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), heartbeats);
    assertTrue(r.imagesPerSecond() > 0 && r.inferenceSeconds() > 0 && r.decodeSeconds() > 0);
    for (int s = 0; s < 7; s++) {
      assertTrue(store.exists(PREFIX + EmbeddingExtractor.npyName(s)));
      assertTrue(store.exists(PREFIX + EmbeddingExtractor.idsName(s)));
    }
    assertEquals("part-00006.ids.txt", EmbeddingExtractor.idsName(6));

    EmbeddingReader.Embeddings e = EmbeddingReader.read(store, PREFIX);
    assertEquals(ids, e.ids());
    assertEquals(N, e.vectors().length);
    Preprocessor prep = new Preprocessor(encoder.spec());
    float[][] direct = encoder.embed(List.of(prep.apply(loader.load(ids.get(0))),
        prep.apply(loader.load(ids.get(N - 1)))));
    assertArrayEquals(direct[0], e.vectors()[0], 1e-5f);
    assertArrayEquals(direct[1], e.vectors()[N - 1], 1e-5f);
    assertEquals("ds1", e.manifest().datasetDigest());
    assertEquals(1392, e.manifest().params());
    assertTrue(e.manifest().preprocessing().contains("crop=64"));

    Loader again = new Loader();
    ExtractionResult r2 = EmbeddingExtractor.run(job(store, again).build());
    assertEquals(0, r2.computed());
    assertEquals(N, r2.fromCache());
    assertEquals(0, again.loads.get());

    // Without the manifest the shards themselves are found.
    store.delete(PREFIX + EmbeddingExtractor.MANIFEST);
    ExtractionResult r3 = EmbeddingExtractor.run(job(store, again).build());
    assertEquals(0, r3.computed());
    assertEquals(N, r3.fromCache());
    assertTrue(store.exists(PREFIX + EmbeddingExtractor.MANIFEST));
  }

  @Test
  void resumesAfterTheLastHeartbeatAndMatchesAnUninterruptedRun() throws IOException {
    InMemoryBlobStore whole = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(whole, new Loader()).build());

    InMemoryBlobStore store = new InMemoryBlobStore();
    int[] lastBeat = {-1};
    RuntimeException kill = new RuntimeException("worker killed");
    RuntimeException thrown = assertThrows(RuntimeException.class, () ->
        EmbeddingExtractor.run(job(store, new Loader()).listener(k -> {
          lastBeat[0] = k;
          if (k == 2) {
            throw kill;
          }
        }).build()));
    assertEquals(kill, thrown);
    assertEquals(2, lastBeat[0]);
    assertTrue(!store.exists(PREFIX + EmbeddingExtractor.MANIFEST));

    Loader loader = new Loader();
    ExtractionResult r = EmbeddingExtractor.run(job(store, loader).resumeAfterShard(lastBeat[0])
        .build());
    assertEquals(N - 3 * SHARD, r.computed());
    assertEquals(3 * SHARD, r.fromCache());
    assertEquals(N - 3 * SHARD, loader.loads.get());
    assertTrue(loader.loaded.stream().noneMatch(id -> ids.indexOf(id) < 3 * SHARD));

    EmbeddingReader.Embeddings a = EmbeddingReader.read(whole, PREFIX);
    EmbeddingReader.Embeddings b = EmbeddingReader.read(store, PREFIX);
    assertEquals(a.ids(), b.ids());
    for (int i = 0; i < N; i++) {
      assertArrayEquals(a.vectors()[i], b.vectors()[i], "row " + i);
    }
    assertEquals(a.manifest(), b.manifest());
  }

  @Test
  void halfWrittenOrForeignShardsAreComputedAgain() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(store, new Loader()).build());
    store.delete(PREFIX + EmbeddingExtractor.MANIFEST);
    // Shard 3: the npy was written, the worker died before the ids file.
    store.delete(PREFIX + EmbeddingExtractor.idsName(3));
    // Shard 5: ids of another list.
    store.put(PREFIX + EmbeddingExtractor.idsName(5), "other\n".getBytes());
    Loader loader = new Loader();
    ExtractionResult r = EmbeddingExtractor.run(job(store, loader).build());
    assertEquals(2 * SHARD, r.computed());
    assertEquals(N - 2 * SHARD, r.fromCache());
    assertEquals(ids, EmbeddingReader.read(store, PREFIX).ids());
  }

  @Test
  void aChangedModelGetsAnotherPrefix(@TempDir Path dir) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("tiny-cnn"));
    Path fixture = TestModels.fixtureCatalog().resolve("tiny-cnn");
    Files.copy(fixture.resolve("model.json"), folder.resolve("model.json"));
    Path file = folder.resolve("encoder.pt");
    Files.copy(fixture.resolve("encoder.pt"), file);
    ModelCatalog c = ModelCatalog.load(dir);
    ModelSpec spec = c.get("tiny-cnn");
    String before = EmbeddingExtractor.prefix(c.modelKey(spec), "ds1", "train");
    assertTrue(before.startsWith("embeddings/tiny-cnn-"), before);
    Files.write(file, new byte[] {0}, StandardOpenOption.APPEND);
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    String after = EmbeddingExtractor.prefix(c.modelKey(spec), "ds1", "train");
    assertNotEquals(before, after);
    assertNotEquals(before,
        EmbeddingExtractor.prefix(c.modelKey(spec.withInput(48, 64)), "ds1", "train"));
  }

  @Test
  void shardFilesOpenAsNumpyArrays() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(store, new Loader()).build());
    float[][] last = Npy.readFloats(store.open(PREFIX + EmbeddingExtractor.npyName(6)));
    assertEquals(N - 6 * SHARD, last.length);
    assertEquals(16, last[0].length);
    assertEquals(ids.subList(6 * SHARD, N),
        EmbeddingReader.readIds(store, PREFIX + EmbeddingExtractor.idsName(6)));
  }

  @Test
  void aFailingImageNamesItsId() {
    InMemoryBlobStore store = new InMemoryBlobStore();
    ImageLoader broken = id -> {
      if (id.equals(ids.get(11))) {
        throw new IOException("cannot decode");
      }
      return new Loader().load(id);
    };
    IOException e = assertThrows(IOException.class, () -> EmbeddingExtractor.run(
        ExtractionJob.builder().ids(ids).loader(broken).encoder(encoder).store(store)
            .prefix(PREFIX).provenance("tiny-cnn", "d", "ds1", "train").shardSize(SHARD)
            .batchSize(3).build()));
    assertTrue(e.getMessage().contains(ids.get(11)), e.getMessage());
    assertTrue(store.exists(PREFIX + EmbeddingExtractor.idsName(0)), "shard 0 was kept");
  }
}
