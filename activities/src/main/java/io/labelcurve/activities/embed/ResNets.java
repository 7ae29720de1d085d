package io.labelcurve.activities.embed;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The built-in ResNet trunks, from DJL blocks, ending in the global average pool and the flatten
 * (no classifier).
 *
 * <p>ResNet-18 and -34 are {@link ResNetV1#residualUnit} basic blocks (two 3×3 convolutions), as in
 * He et al. and torchvision (11.2 M parameters for ResNet-18): DJL's {@code
 * ResNetV1.builder().setNumLayers(18)} builds bottleneck units at a quarter of the width instead
 * (0.9 M parameters).
 *
 * <p>ResNet-50 is torchvision's layout ("v1.5": the stride of a down-sampling unit on its 3×3
 * convolution, 23.5 M parameters without the classifier), built here rather than taken from DJL's
 * {@code ResNetV1}, which strides the unit's first 1×1 convolution. One more change, of form and
 * not of function: a shortcut that down-samples is written as "keep every second pixel, then a 1×1
 * convolution" instead of a 1×1 convolution of stride 2. The two compute the same numbers (a 1×1
 * kernel of stride s reads exactly the pixels {@code [::s, ::s]}), but the backward pass of a
 * strided 1×1 convolution crashes libtorch 2.7.1's oneDNN on CPU (SIGFPE in its brgemm blocking
 * heuristic, {@code brg_blocking_t::est_eff_1x1}, measured on this project's 2-core AMD EPYC build
 * machine), which made the paper's supervised baseline impossible to train on CPU.
 */
public final class ResNets {
  /** DJL's momentum is the weight of the running statistic: PyTorch's momentum 0.1. */
  private static final float BN_MOMENTUM = 0.9f;

  private static final float BN_EPSILON = 1e-5f;

  private ResNets() {}

  /** ResNet-18 or -34: ImageNet stem, four stages of basic residual units, global pool. */
  public static SequentialBlock basic(int layers) {
    int[] units =
        switch (layers) {
          case 18 -> new int[] {2, 2, 2, 2};
          case 34 -> new int[] {3, 4, 6, 3};
          default -> throw new IllegalArgumentException("no basic-block ResNet-" + layers);
        };
    SequentialBlock net = stem();
    int[] filters = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      int stride = stage == 0 ? 1 : 2;
      net.add(
          ResNetV1.residualUnit(
              filters[stage], new Shape(stride, stride), stage == 0, false, BN_MOMENTUM));
      for (int u = 1; u < units[stage]; u++) {
        net.add(ResNetV1.residualUnit(filters[stage], new Shape(1, 1), true, false, BN_MOMENTUM));
      }
    }
    return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
  }

  /** ResNet-50: ImageNet stem, bottleneck stages of 3, 4, 6 and 3 units, 2048-d pooled feature. */
  public static SequentialBlock resnet50() {
    SequentialBlock net = stem();
    int[] units = {3, 4, 6, 3};
    int[] widths = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      for (int u = 0; u < units[stage]; u++) {
        int stride = stage > 0 && u == 0 ? 2 : 1;
        // The first unit of every stage changes the channel count (64 -> 256 in stage 1), so its
        // shortcut is a projection even where it keeps the resolution.
        net.add(bottleneck(widths[stage], stride, u == 0));
      }
    }
    return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
  }

  /**
   * One bottleneck unit: 1×1 to {@code width}, 3×3 of {@code stride}, 1×1 to {@code 4 × width},
   * batch norm after each; the shortcut is the identity, or a projection (optionally {@link
   * #subsample down-sampled} first) with batch norm; sum, then ReLU.
   */
  static Block bottleneck(int width, int stride, boolean project) {
    SequentialBlock residual =
        new SequentialBlock()
            .add(conv(width, 1, 1, 0))
            .add(batchNorm())
            .add(Activation.reluBlock())
            .add(conv(width, 3, stride, 1))
            .add(batchNorm())
            .add(Activation.reluBlock())
            .add(conv(4 * width, 1, 1, 0))
            .add(batchNorm());
    Block shortcut;
    if (project) {
      SequentialBlock projection = new SequentialBlock();
      if (stride > 1) {
        projection.add(subsample(stride));
      }
      shortcut = projection.add(conv(4 * width, 1, 1, 0)).add(batchNorm());
    } else {
      shortcut = Blocks.identityBlock();
    }
    return new ParallelBlock(ResNets::addThenRelu, List.of(residual, shortcut));
  }

  /** Keeps every {@code stride}-th row and column: the pixels a strided 1×1 convolution reads. */
  static Block subsample(int stride) {
    String index = ":, :, ::" + stride + ", ::" + stride;
    return new LambdaBlock(in -> new NDList(in.singletonOrThrow().get(index)), "subsample");
  }

  private static NDList addThenRelu(List<NDList> branches) {
    NDArray sum = branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow());
    return new NDList(Activation.relu(sum));
  }

  private static SequentialBlock stem() {
    return new SequentialBlock()
        .add(conv(64, 7, 2, 3))
        .add(batchNorm())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
  }

  private static Conv2d conv(int filters, int kernel, int stride, int padding) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .setFilters(filters)
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(padding, padding))
        .optBias(false)
        .build();
  }

  private static BatchNorm batchNorm() {
    return BatchNorm.builder().optEpsilon(BN_EPSILON).optMomentum(BN_MOMENTUM).build();
  }
}
