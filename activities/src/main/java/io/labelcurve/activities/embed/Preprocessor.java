package io.labelcurve.activities.embed;

import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.FrameSource;
import io.labelcurve.activities.image.GreyFrames;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.model.ModelSpec;
import java.io.IOException;
import java.util.Optional;

/**
 * Turns the protocol's 256×256 grey image into one encoder input, CHW float32: resize to {@code
 * input.resize} (box filter when shrinking, as PyTorch's {@code area} interpolation; bilinear with
 * half-pixel centres when enlarging; nothing when equal), centre crop {@code input.size} (offset
 * rounded half-to-even, as torchvision), grey repeated to {@code input.channels}, then {@code (x -
 * mean[c]) / std[c]}. Thread-safe and allocation-light: the resampling weights are computed once
 * per source size.
 *
 * <p>A stored 8-bit frame at the resize side (the frame store's, for every catalog model) takes a
 * shorter way: each of its 256 levels has one normalised value per channel, looked up in a table
 * computed with the same float operations as {@link #apply} does them, so the inputs are bit for
 * bit the same without the float image in between (docs/BENCHMARKS.md, the frame-store path).
 */
public final class Preprocessor {
  private final ModelSpec spec;
  private final int channels;
  private final int size;
  private final int resize;
  private final float[] mean;
  private final float[] invStd;

  /** {@code levels[c * 256 + v]}: the input value of grey level {@code v} in channel {@code c}. */
  private final float[] levels;

  private volatile Weights cached;

  /** Per output index (of the crop window) the source indices and weights of one axis. */
  private record Axis(int[][] index, float[][] weight) {}

  private record Weights(int width, int height, Axis x, Axis y) {}

  public Preprocessor(ModelSpec spec) {
    this.spec = spec;
    this.channels = spec.input().channels();
    this.size = spec.input().size();
    this.resize = spec.input().resize();
    this.mean = spec.normalization().mean().clone();
    this.invStd = new float[channels];
    for (int c = 0; c < channels; c++) {
      invStd[c] = 1f / spec.normalization().std()[c];
    }
    this.levels = new float[channels * 256];
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        // As ImageDecoder.fromBytes makes the pixel, then normaliseRow.
        levels[c * 256 + v] = (v / 255f - mean[c]) * invStd[c];
      }
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  public int channels() {
    return channels;
  }

  /** Side of the square input. */
  public int size() {
    return size;
  }

  /** Values of one input: {@code channels * size * size}. */
  public int length() {
    return channels * size * size;
  }

  /** The encoder input of an image, CHW. */
  public float[] apply(GreyImage image) {
    if (image.width() == resize && image.height() == resize) {
      return cropAndNormalise(image);
    }
    return resampled(image);
  }

  /**
   * A dataset image as loaded: its stored 8-bit frame ({@code side × side} bytes) when the loader
   * has one, else its decoded image ({@code frame} null).
   */
  public record Source(byte[] frame, int side, GreyImage image) {}

  /**
   * An image id's {@link Source}: the stored frame of an original of a {@link FrameSource}, else
   * the image the loader decodes (or makes, for a variant).
   */
  public static Source source(ImageLoader loader, String imageId) throws IOException {
    if (loader instanceof FrameSource frames) {
      Augmentation.ImageId id = Augmentation.parse(imageId);
      if (id.variant() == 0) {
        Optional<byte[]> frame = frames.frame(id.path());
        if (frame.isPresent()) {
          return new Source(frame.get(), frames.frameSize(), null);
        }
      }
    }
    return new Source(null, 0, loader.load(imageId));
  }

  /** The encoder input of a loaded image. */
  public float[] apply(Source source) {
    return source.frame() != null
        ? applyFrame(source.frame(), 0, source.side())
        : apply(source.image());
  }

  /**
   * The encoder input of a dataset image: the one way extraction, finetune training and evaluation
   * turn an image id into an input ({@link #source}, then {@link #apply(Source)}).
   */
  public float[] input(ImageLoader loader, String imageId) throws IOException {
    return apply(source(loader, imageId));
  }

  /**
   * The encoder input of the 8-bit frame of {@code side × side} bytes at {@code frames[offset]}:
   * exactly {@code apply(GreyFrames.toImage(frame, side))}.
   */
  public float[] applyFrame(byte[] frames, int offset, int side) {
    if (side != resize) {
      byte[] one = java.util.Arrays.copyOfRange(frames, offset, offset + side * side);
      return apply(GreyFrames.toImage(one, side));
    }
    int crop = (int) Math.rint((resize - size) / 2.0);
    int plane = size * size;
    float[] out = new float[length()];
    for (int c = 0; c < channels; c++) {
      int lut = c * 256;
      for (int oy = 0; oy < size; oy++) {
        int from = offset + (oy + crop) * side + crop;
        int to = c * plane + oy * size;
        for (int ox = 0; ox < size; ox++) {
          out[to + ox] = levels[lut + (frames[from + ox] & 0xff)];
        }
      }
    }
    return out;
  }

  /** {@link #apply} through the resampling weights, whatever the image's size. */
  float[] resampled(GreyImage image) {
    Weights w = weights(image.width(), image.height());
    float[] src = image.pixels();
    int srcW = image.width();
    // Horizontal pass over the source rows the crop needs, then the vertical pass.
    int y0 = w.y().index()[0][0];
    int[] lastRow = w.y().index()[size - 1];
    int y1 = lastRow[lastRow.length - 1];
    float[][] rows = new float[y1 - y0 + 1][size];
    for (int sy = y0; sy <= y1; sy++) {
      float[] h = rows[sy - y0];
      int base = sy * srcW;
      for (int ox = 0; ox < size; ox++) {
        int[] xi = w.x().index()[ox];
        float[] xw = w.x().weight()[ox];
        float s = 0f;
        for (int j = 0; j < xi.length; j++) {
          s += src[base + xi[j]] * xw[j];
        }
        h[ox] = s;
      }
    }
    int plane = size * size;
    float[] out = new float[channels * plane];
    float[] rowBuf = new float[size];
    for (int oy = 0; oy < size; oy++) {
      int[] yi = w.y().index()[oy];
      float[] yw = w.y().weight()[oy];
      java.util.Arrays.fill(rowBuf, 0f);
      for (int k = 0; k < yi.length; k++) {
        float[] h = rows[yi[k] - y0];
        float wk = yw[k];
        for (int ox = 0; ox < size; ox++) {
          rowBuf[ox] += h[ox] * wk;
        }
      }
      normaliseRow(rowBuf, 0, out, oy);
    }
    return out;
  }

  /**
   * {@link #apply} when the image already has the resize side (every catalog model: 256 from the
   * protocol's 256): the crop and normalisation alone. The general path's weights are then exactly
   * 1, so this gives the same floats bit for bit, at a fraction of the cost (the frame store's
   * pipeline is this loop; docs/BENCHMARKS.md).
   */
  private float[] cropAndNormalise(GreyImage image) {
    float[] src = image.pixels();
    int srcW = image.width();
    int offset = (int) Math.rint((resize - size) / 2.0);
    float[] out = new float[length()];
    for (int oy = 0; oy < size; oy++) {
      normaliseRow(src, (oy + offset) * srcW + offset, out, oy);
    }
    return out;
  }

  /** Output row {@code oy} of every channel from {@code size} grey values at {@code row[from]}. */
  private void normaliseRow(float[] row, int from, float[] out, int oy) {
    int plane = size * size;
    for (int c = 0; c < channels; c++) {
      int base = c * plane + oy * size;
      float m = mean[c];
      float is = invStd[c];
      for (int ox = 0; ox < size; ox++) {
        out[base + ox] = (row[from + ox] - m) * is;
      }
    }
  }

  /** The side the image is resized to before the crop ({@code input.resize}). */
  public int resize() {
    return resize;
  }

  /** Mean of each channel. */
  public float[] mean() {
    return mean.clone();
  }

  /** 1 / std of each channel, as {@link #apply} multiplies by it. */
  public float[] invStd() {
    return invStd.clone();
  }

  /**
   * The resize-and-crop of one axis of {@code in} source pixels as a dense {@code size × in}
   * row-major matrix: output {@code o} is {@code Σ_i m[o * in + i] * source[i]}, with exactly the
   * weights {@link #apply} uses.
   */
  public float[] axisMatrix(int in) {
    Axis a = axis(in);
    float[] m = new float[size * in];
    for (int o = 0; o < size; o++) {
      for (int k = 0; k < a.index()[o].length; k++) {
        m[o * in + a.index()[o][k]] += a.weight()[o][k];
      }
    }
    return m;
  }

  private Weights weights(int width, int height) {
    Weights w = cached;
    if (w == null || w.width() != width || w.height() != height) {
      w = new Weights(width, height, axis(width), axis(height));
      cached = w;
    }
    return w;
  }

  /** One axis from {@code in} source pixels: resize to {@link #resize}, keep the centre crop. */
  private Axis axis(int in) {
    int offset = (int) Math.rint((resize - size) / 2.0);
    int[][] index = new int[size][];
    float[][] weight = new float[size][];
    double scale = (double) in / resize;
    for (int o = 0; o < size; o++) {
      int i = o + offset;
      if (in == resize) {
        index[o] = new int[] {i};
        weight[o] = new float[] {1f};
      } else if (scale > 1) {
        // Box filter: the source interval [i*scale, (i+1)*scale), weighted by overlap.
        double lo = i * scale;
        double hi = (i + 1) * scale;
        int first = (int) Math.floor(lo);
        int last = Math.min(in - 1, (int) Math.ceil(hi) - 1);
        int n = last - first + 1;
        index[o] = new int[n];
        weight[o] = new float[n];
        for (int k = 0; k < n; k++) {
          int s = first + k;
          double overlap = Math.min(hi, s + 1) - Math.max(lo, s);
          index[o][k] = s;
          weight[o][k] = (float) (overlap / scale);
        }
      } else {
        double x = Math.max(0, (i + 0.5) * scale - 0.5);
        int x0 = Math.min((int) Math.floor(x), in - 1);
        int x1 = Math.min(x0 + 1, in - 1);
        float t = (float) (x - x0);
        index[o] = new int[] {x0, x1};
        weight[o] = new float[] {1f - t, t};
      }
    }
    return new Axis(index, weight);
  }
}
