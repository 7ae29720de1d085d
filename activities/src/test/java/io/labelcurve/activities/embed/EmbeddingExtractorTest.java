package io.labelcurve.activities.embed;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.labelcurve.activities.CorruptCacheException;
import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.dataset.DatasetDigest;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.npy.Npy;
import io.labelcurve.activities.phantom.PhantomGenerator;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingExtractorTest {
  private static final int N = 50;
  private static final int SHARD = 8;
  private static final String PREFIX =
      EmbeddingExtractor.prefix("tiny-cnn-0123456789ab", "engine", "ds1", "train");
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
        p[i] =
            (float)
                (0.5
                    + 0.5
                        * Math.sin(
                            ((h & 0xff) + 1) * 0.01 * x + ((h >> 8 & 0xff) + 1) * 0.007 * y));
      }
      return new GreyImage(256, 256, p);
    }
  }

  private static ExtractionJob.Builder job(InMemoryBlobStore store, Loader loader) {
    return ExtractionJob.builder()
        .ids(ids)
        .loader(loader)
        .encoder(encoder)
        .store(store)
        .prefix(PREFIX)
        .provenance("tiny-cnn", "0123456789abcdef", "ds1", "train")
        .shardSize(SHARD)
        .batchSize(3)
        .decodeThreads(2);
  }

  @Test
  void aTruncatedShardIsNeverUsedAndIsComputedAgain() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(store, new Loader()).build());
    float[][] before = EmbeddingReader.read(store, PREFIX).vectors();
    String shard = PREFIX + EmbeddingExtractor.npyName(2);
    byte[] whole = store.get(shard).orElseThrow();
    store.put(shard, java.util.Arrays.copyOf(whole, whole.length / 2));

    // Read by a probe cell: refused, naming the shard, and dropped from the cache.
    CorruptCacheException e =
        assertThrows(CorruptCacheException.class, () -> EmbeddingReader.read(store, PREFIX));
    assertTrue(
        e.getMessage().contains("part-00002.npy") && e.getMessage().contains("truncated"),
        e.getMessage());
    assertFalse(store.exists(PREFIX + EmbeddingExtractor.MANIFEST));

    // The next extraction, even one resuming past that shard, computes it (and only it) again.
    Loader loader = new Loader();
    ExtractionResult r = EmbeddingExtractor.run(job(store, loader).resumeAfterShard(4).build());
    assertEquals(SHARD, r.computed());
    assertEquals(N - SHARD, r.fromCache());
    assertEquals(Set.copyOf(ids.subList(2 * SHARD, 3 * SHARD)), loader.loaded);
    float[][] after = EmbeddingReader.read(store, PREFIX).vectors();
    for (int i = 0; i < N; i++) {
      assertArrayEquals(before[i], after[i], 0f, "row " + i);
    }

    // A cache hit checks every shard too: a corrupt one is computed again, not served.
    store.put(shard, java.util.Arrays.copyOf(whole, whole.length - 4));
    ExtractionResult again = EmbeddingExtractor.run(job(store, new Loader()).build());
    assertEquals(SHARD, again.computed());
  }

  @Test
  void writesAllShardsInOrderAndRerunComputesNothing() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    Loader loader = new Loader();
    List<Integer> heartbeats = new ArrayList<>();
    ExtractionResult r =
        EmbeddingExtractor.run(job(store, loader).listener(heartbeats::add).build());
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
    float[][] direct =
        encoder.embed(
            List.of(prep.apply(loader.load(ids.get(0))), prep.apply(loader.load(ids.get(N - 1)))));
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
    RuntimeException thrown =
        assertThrows(
            RuntimeException.class,
            () ->
                EmbeddingExtractor.run(
                    job(store, new Loader())
                        .listener(
                            k -> {
                              lastBeat[0] = k;
                              if (k == 2) {
                                throw kill;
                              }
                            })
                        .build()));
    assertEquals(kill, thrown);
    assertEquals(2, lastBeat[0]);
    assertTrue(!store.exists(PREFIX + EmbeddingExtractor.MANIFEST));

    Loader loader = new Loader();
    ExtractionResult r =
        EmbeddingExtractor.run(job(store, loader).resumeAfterShard(lastBeat[0]).build());
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
  void rangesThenFinishWriteTheSetOneJobWrites() throws IOException {
    InMemoryBlobStore whole = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(whole, new Loader()).build());

    // N = 50 in shards of 8: 7 shards, in ranges [0, 3), [3, 5), [5, 7), the last one first.
    InMemoryBlobStore store = new InMemoryBlobStore();
    Loader loader = new Loader();
    List<Integer> beats = new ArrayList<>();
    ExtractionResult last =
        EmbeddingExtractor.run(job(store, loader).shardRange(5, 7).listener(beats::add).build());
    assertEquals(N - 5 * SHARD, last.computed());
    assertEquals(N - 5 * SHARD, last.count());
    // Heartbeat positions count from the range's first shard: 5 after shard 5, 6 after shard 6.
    assertEquals(List.of(5, 6), beats);
    assertFalse(store.exists(PREFIX + EmbeddingExtractor.MANIFEST), "a range writes no manifest");
    assertTrue(loader.loaded.stream().allMatch(id -> ids.indexOf(id) >= 5 * SHARD));
    EmbeddingExtractor.run(job(store, new Loader()).shardRange(0, 3).build());

    EmbeddingExtractor.SetIdentity set =
        new EmbeddingExtractor.SetIdentity(
            "tiny-cnn", "0123456789abcdef", "ds1", "train", encoder.spec().preprocessing());
    // A shard missing: the set cannot be finished, and says which.
    CorruptCacheException missing =
        assertThrows(
            CorruptCacheException.class,
            () ->
                EmbeddingExtractor.finish(
                    store, PREFIX, set, ids, encoder.dim(), SHARD, encoder.params()));
    assertTrue(missing.getMessage().contains("part-00003.npy"), missing.getMessage());

    // A heartbeat never vouches for a shard that is not there: the range computes it.
    ExtractionResult mid =
        EmbeddingExtractor.run(
            job(store, new Loader()).shardRange(3, 5).resumeAfterShard(3).build());
    assertEquals(2 * SHARD, mid.computed());
    assertEquals(0, mid.fromCache());
    EmbeddingExtractor.finish(store, PREFIX, set, ids, encoder.dim(), SHARD, encoder.params());

    // Byte for byte the set of one job: every shard, its digest and ids, and the manifest.
    assertEquals(
        new String(whole.get(PREFIX + EmbeddingExtractor.MANIFEST).orElseThrow(), UTF_8),
        new String(store.get(PREFIX + EmbeddingExtractor.MANIFEST).orElseThrow(), UTF_8));
    assertEquals(whole.list(PREFIX), store.list(PREFIX));
    for (String key : whole.list(PREFIX)) {
      assertArrayEquals(whole.get(key).orElseThrow(), store.get(key).orElseThrow(), key);
    }
    // And a whole job finds it complete: nothing to compute.
    assertEquals(0, EmbeddingExtractor.run(job(store, new Loader()).build()).computed());
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
    String before = EmbeddingExtractor.prefix(c.modelKey(spec), "engine", "ds1", "train");
    assertTrue(before.startsWith("embeddings/tiny-cnn-"), before);
    Files.write(file, new byte[] {0}, StandardOpenOption.APPEND);
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    String after = EmbeddingExtractor.prefix(c.modelKey(spec), "engine", "ds1", "train");
    assertNotEquals(before, after);
    assertNotEquals(
        before,
        EmbeddingExtractor.prefix(c.modelKey(spec.withInput(48, 64)), "engine", "ds1", "train"));
  }

  /**
   * The cache key covers the dataset's content and the model file: after one image of the dataset
   * changes, or the model file does, the same extraction stores new entries (everything computed
   * again, nothing from the old ones), and the old entries stay as they were.
   */
  @Test
  void aChangedDatasetOrModelFileGetsNewCacheEntries(@TempDir Path dir) throws IOException {
    PhantomGenerator.Summary data =
        PhantomGenerator.generate(dir.resolve("phantom"), 11, PhantomGenerator.Scale.TINY);
    Manifest manifest = ManifestReader.read(data.manifest());
    LocalImageSource images = LocalImageSource.besides(data.manifest());
    List<String> t2 = EmbeddingActivitiesImpl.idsOf(manifest, "T2", false);
    Path models = Files.createDirectories(dir.resolve("models/tiny-cnn"));
    Path fixture = TestModels.fixtureCatalog().resolve("tiny-cnn");
    Files.copy(fixture.resolve("model.json"), models.resolve("model.json"));
    Path modelFile = models.resolve("encoder.pt");
    Files.copy(fixture.resolve("encoder.pt"), modelFile);
    ModelCatalog c = ModelCatalog.load(dir.resolve("models"));
    ModelSpec spec = c.get("tiny-cnn");
    InMemoryBlobStore store = new InMemoryBlobStore();

    String d1 = DatasetDigest.of(manifest, images).cacheKey();
    String p1 = EmbeddingExtractor.prefix(c.modelKey(spec), "engine", d1, "T2");
    ExtractionResult first = extract(store, images, t2, p1);
    assertEquals(t2.size(), first.computed());
    assertEquals(t2.size(), extract(store, images, t2, p1).fromCache(), "same key: cached");
    Map<String, byte[]> stored1 = snapshot(store, p1);

    // One changed pixel of one image: another dataset digest, new entries.
    Path png = images.root().resolve(t2.get(0));
    BufferedImage img = ImageIO.read(png.toFile());
    img.setRGB(0, 0, img.getRGB(0, 0) ^ 0x00ffffff);
    ImageIO.write(img, "png", png.toFile());
    String d2 = DatasetDigest.of(manifest, images).cacheKey();
    assertNotEquals(d1, d2);
    String p2 = EmbeddingExtractor.prefix(c.modelKey(spec), "engine", d2, "T2");
    ExtractionResult second = extract(store, images, t2, p2);
    assertEquals(t2.size(), second.computed());
    assertEquals(0, second.fromCache());

    // A changed model file: another model key, new entries.
    Files.write(modelFile, new byte[] {0}, StandardOpenOption.APPEND);
    Files.setLastModifiedTime(modelFile, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    String p3 = EmbeddingExtractor.prefix(c.modelKey(spec), "engine", d2, "T2");
    assertNotEquals(p2, p3);
    ExtractionResult third = extract(store, images, t2, p3);
    assertEquals(t2.size(), third.computed());
    assertEquals(0, third.fromCache());

    assertEquals(stored1.keySet(), snapshot(store, p1).keySet(), "old entries are kept");
    Map<String, byte[]> now1 = snapshot(store, p1);
    stored1.forEach((k, v) -> assertArrayEquals(v, now1.get(k), k));
  }

  private static ExtractionResult extract(
      InMemoryBlobStore store, LocalImageSource images, List<String> ids, String prefix)
      throws IOException {
    return EmbeddingExtractor.run(
        ExtractionJob.builder()
            .ids(ids)
            .loader(new DatasetImages(images))
            .encoder(encoder)
            .store(store)
            .prefix(prefix)
            .provenance("tiny-cnn", "digest", "dataset", "T2")
            .shardSize(SHARD)
            .batchSize(4)
            .build());
  }

  private static Map<String, byte[]> snapshot(InMemoryBlobStore store, String prefix)
      throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    for (String k : store.list(prefix)) {
      out.put(k, store.get(k).orElseThrow());
    }
    return out;
  }

  @Test
  void shardFilesOpenAsNumpyArrays() throws IOException {
    InMemoryBlobStore store = new InMemoryBlobStore();
    EmbeddingExtractor.run(job(store, new Loader()).build());
    float[][] last = Npy.readFloats(store.open(PREFIX + EmbeddingExtractor.npyName(6)));
    assertEquals(N - 6 * SHARD, last.length);
    assertEquals(16, last[0].length);
    assertEquals(
        ids.subList(6 * SHARD, N),
        EmbeddingReader.readIds(store, PREFIX + EmbeddingExtractor.idsName(6)));
  }

  @Test
  void aFailingImageNamesItsId() {
    InMemoryBlobStore store = new InMemoryBlobStore();
    ImageLoader broken =
        id -> {
          if (id.equals(ids.get(11))) {
            throw new IOException("cannot decode");
          }
          return new Loader().load(id);
        };
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                EmbeddingExtractor.run(
                    ExtractionJob.builder()
                        .ids(ids)
                        .loader(broken)
                        .encoder(encoder)
                        .store(store)
                        .prefix(PREFIX)
                        .provenance("tiny-cnn", "d", "ds1", "train")
                        .shardSize(SHARD)
                        .batchSize(3)
                        .build()));
    assertTrue(e.getMessage().contains(ids.get(11)), e.getMessage());
    assertTrue(store.exists(PREFIX + EmbeddingExtractor.idsName(0)), "shard 0 was kept");
  }
}
