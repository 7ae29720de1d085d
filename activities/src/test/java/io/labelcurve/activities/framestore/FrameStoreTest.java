package io.labelcurve.activities.framestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame store against the real S3Proxy: frames read back (by Java and by NumPy) equal direct
 * decoding, an interrupted build resumes behind its last reported shard, and an undecodable image
 * fails the build at once, named.
 */
class FrameStoreTest {
  private static final String DIGEST = "d1g35t";
  private static final int SHARD = 4;

  @TempDir Path dir;

  /**
   * Ten 256×256 8-bit grey PNGs (noise over gradients, so ImageIO uses every row filter), a larger
   * grey one (resized) and a colour one (ImageIO's path, luma).
   */
  private List<String> writeImages(Path root) throws IOException {
    List<String> paths = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(15);
    for (int i = 0; i < 10; i++) {
      BufferedImage im = new BufferedImage(256, 256, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 256; y++) {
        for (int x = 0; x < 256; x++) {
          int smooth = (x * (i + 1) + y * 3) & 0xff;
          int v = i % 2 == 0 ? smooth : (smooth + random.nextInt(40)) & 0xff;
          im.getRaster().setSample(x, y, 0, v);
        }
      }
      paths.add(write(root, "p" + (i % 3) + "/frame-" + i + ".png", im));
    }
    BufferedImage big = new BufferedImage(300, 280, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 280; y++) {
      for (int x = 0; x < 300; x++) {
        big.getRaster().setSample(x, y, 0, random.nextInt(256));
      }
    }
    paths.add(write(root, "q/big.png", big));
    BufferedImage colour = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 256; y++) {
      for (int x = 0; x < 256; x++) {
        colour.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    paths.add(write(root, "q/colour.png", colour));
    return paths;
  }

  private static String write(Path root, String path, BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    Files.createDirectories(root.resolve(path).getParent());
    Files.write(root.resolve(path), out.toByteArray());
    return path;
  }

  private static Manifest manifest(List<String> paths) {
    List<ManifestRow> rows = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      rows.add(new ManifestRow(i + 2, paths.get(i), "c" + i % 2, "s" + i, "train", 0, null, null));
    }
    return new Manifest("s3://b/datasets/t/manifest.csv", rows);
  }

  /** The images an {@link ImageSource} was asked for. */
  private static final class Counting implements ImageSource {
    final LocalImageSource local;
    final Set<String> read = ConcurrentHashMap.newKeySet();

    Counting(Path root) {
      local = new LocalImageSource(root);
    }

    @Override
    public byte[] read(String relativePath) throws IOException {
      read.add(relativePath);
      return local.read(relativePath);
    }

    @Override
    public String describe(String relativePath) {
      return local.describe(relativePath);
    }
  }

  @Test
  void framesReadBackEqualDirectDecodingInJavaAndNumPy() throws Exception {
    Path images = dir.resolve("images");
    List<String> paths = writeImages(images);
    Path s3root = dir.resolve("s3");
    try (EmbeddedS3 s3 = EmbeddedS3.start(s3root, 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      FrameIndex index = FrameStoreBuilder.plan(store, manifest(paths), DIGEST, 256, SHARD);
      assertEquals(3, index.shards());
      assertTrue(FrameStore.open(store, DIGEST).isEmpty(), "no shard stored yet");
      FrameStoreBuilder.Built built =
          FrameStoreBuilder.buildShards(
              store, index, new LocalImageSource(images), 0, 3, -1, 2, s -> {});
      assertEquals(3, built.built());
      assertEquals(paths.size(), built.frames());

      DatasetImages direct = new DatasetImages(new LocalImageSource(images));
      ImageLoader stored =
          FrameImages.forDataset(store, DIGEST, new LocalImageSource(images), Augmentation.DEFAULT);
      assertTrue(stored instanceof FrameImages, "the complete store is used");
      for (String p : paths) {
        List<String> ids = new ArrayList<>(List.of(p));
        for (int v = 1; v <= Augmentation.VARIANTS; v++) {
          ids.add(Augmentation.variantId(p, v));
        }
        for (String id : ids) {
          GreyImage want = direct.load(id);
          GreyImage got = stored.load(id);
          if (p.startsWith("q/")) {
            // Resized or colour (luma), then rounded to 8 bits: at most half a level apart.
            assertTrue(maxAbsDiff(want, got) <= 0.5f / 255 + 1e-6f, id);
          } else {
            assertArrayEquals(want.pixels(), got.pixels(), 0f, id);
          }
        }
      }

      // NumPy reads the same bytes from the bucket's folder, and Pillow agrees on every 8-bit
      // grey 256×256 frame.
      Path storeDir = s3root.resolve("bkt").resolve(FrameStoreLayout.prefix(DIGEST));
      assumeTrue(
          run("/usr/bin/python3", "-c", "import numpy, PIL").exitCode == 0,
          "Debian's python3 with numpy and Pillow");
      Result py =
          run(
              "/usr/bin/python3",
              Path.of("src/test/python/check_frame_store.py").toAbsolutePath().toString(),
              storeDir.toString(),
              images.toString());
      assertEquals(0, py.exitCode, py.output);
      assertTrue(py.output.contains("checked 10 frames"), py.output);
    }
  }

  @Test
  void aDamagedShardIsDecodedAgainNotUsed() throws Exception {
    Path images = dir.resolve("images");
    List<String> paths = writeImages(images);
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt2"))) {
      FrameIndex index = FrameStoreBuilder.plan(store, manifest(paths), "dmg", 256, SHARD);
      FrameStoreBuilder.buildShards(
          store, index, new LocalImageSource(images), 0, 3, -1, 1, s -> {});
      byte[] npy = store.get(FrameStoreLayout.shardKey("dmg", 0)).orElseThrow();
      npy[npy.length - 1] ^= 0x55;
      store.put(FrameStoreLayout.shardKey("dmg", 0), npy);
      ImageLoader stored =
          FrameImages.forDataset(store, "dmg", new LocalImageSource(images), Augmentation.DEFAULT);
      DatasetImages direct = new DatasetImages(new LocalImageSource(images));
      String first = index.image(3);
      assertArrayEquals(direct.load(first).pixels(), stored.load(first).pixels(), 0f);
      // A build finds the damaged shard (its digest no longer matches) and builds it again.
      Counting source = new Counting(images);
      FrameStoreBuilder.Built again =
          FrameStoreBuilder.buildShards(store, index, source, 0, 3, -1, 1, s -> {});
      assertEquals(1, again.built());
      assertEquals(
          Set.of(index.image(0), index.image(1), index.image(2), index.image(3)), source.read);
    }
  }

  @Test
  void anInterruptedBuildResumesBehindItsLastReportedShard() throws Exception {
    Path images = dir.resolve("images");
    List<String> paths = writeImages(images);
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt3"))) {
      FrameIndex index = FrameStoreBuilder.plan(store, manifest(paths), "res", 256, 2);
      assertEquals(6, index.shards());
      int[] heartbeat = {-1};
      // The "worker" dies right after reporting shard 2 of range 1..5.
      RuntimeException killed =
          assertThrows(
              RuntimeException.class,
              () ->
                  FrameStoreBuilder.buildShards(
                      store,
                      index,
                      new LocalImageSource(images),
                      1,
                      5,
                      -1,
                      2,
                      s -> {
                        heartbeat[0] = s;
                        if (s == 2) {
                          throw new RuntimeException("worker killed");
                        }
                      }));
      assertEquals("worker killed", killed.getMessage());
      assertEquals(2, heartbeat[0]);

      Counting source = new Counting(images);
      List<Integer> reported = new ArrayList<>();
      FrameStoreBuilder.Built resumed =
          FrameStoreBuilder.buildShards(store, index, source, 1, 5, heartbeat[0], 2, reported::add);
      assertEquals(2, resumed.alreadyStored());
      assertEquals(2, resumed.built());
      assertEquals(List.of(1, 2, 3, 4), reported);
      // Only shards 3 and 4 were decoded again.
      Set<String> want = Set.of(index.image(6), index.image(7), index.image(8), index.image(9));
      assertEquals(want, source.read);
      assertTrue(FrameStore.open(store, "res").isEmpty(), "shards 0 and 5 are not built yet");
      FrameStoreBuilder.buildShards(store, index, source, 0, 6, -1, 2, s -> {});
      assertTrue(FrameStore.open(store, "res").isPresent());
    }
  }

  @Test
  void anUndecodableImageFailsTheBuildAtOnceNamingTheFile() throws Exception {
    Path images = dir.resolve("images");
    List<String> paths = writeImages(images);
    Path broken = images.resolve(paths.get(4));
    byte[] png = Files.readAllBytes(broken);
    Files.write(broken, java.util.Arrays.copyOf(png, png.length / 2));
    Files.createDirectories(images.resolve("p9"));
    Files.writeString(images.resolve("p9/not-an-image.png"), "hello", StandardCharsets.UTF_8);
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt4"))) {
      FrameIndex index = FrameStoreBuilder.plan(store, manifest(paths), "bad", 256, 64);
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  FrameStoreBuilder.buildShards(
                      store, index, new LocalImageSource(images), 0, 1, -1, 2, s -> {}));
      assertTrue(e.getMessage().contains(paths.get(4)), e.getMessage());
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
      assertTrue(store.get(FrameStoreLayout.shaKey("bad", 0)).isEmpty(), "no shard stored");

      FrameIndex other =
          FrameStoreBuilder.plan(store, manifest(List.of("p9/not-an-image.png")), "bad2", 256, 64);
      BadInputException notImage =
          assertThrows(
              BadInputException.class,
              () ->
                  FrameStoreBuilder.buildShards(
                      store, other, new LocalImageSource(images), 0, 1, -1, 1, s -> {}));
      assertTrue(notImage.getMessage().contains("not-an-image.png"), notImage.getMessage());
      FrameIndex missing =
          FrameStoreBuilder.plan(store, manifest(List.of("p9/gone.png")), "bad3", 256, 64);
      BadInputException gone =
          assertThrows(
              BadInputException.class,
              () ->
                  FrameStoreBuilder.buildShards(
                      store, missing, new LocalImageSource(images), 0, 1, -1, 1, s -> {}));
      assertTrue(gone.getMessage().contains("gone.png: image not found"), gone.getMessage());
    }
  }

  private static float maxAbsDiff(GreyImage a, GreyImage b) {
    float m = 0;
    for (int i = 0; i < a.pixels().length; i++) {
      m = Math.max(m, Math.abs(a.pixels()[i] - b.pixels()[i]));
    }
    return m;
  }

  private record Result(int exitCode, String output) {}

  private static Result run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python did not finish");
    return new Result(p.exitValue(), out);
  }
}
