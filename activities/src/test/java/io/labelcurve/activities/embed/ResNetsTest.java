package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.torch.TorchRuntime;
import org.junit.jupiter.api.Test;

class ResNetsTest {

  /** The rewrite ResNets makes of a down-sampling shortcut computes what the strided 1×1 does. */
  @Test
  void subsampledOneByOneEqualsStridedOneByOne() {
    try (NDManager m = NDManager.newBaseManager(TorchRuntime.engine().getEngineName())) {
      Conv2d strided =
          Conv2d.builder()
              .setKernelShape(new Shape(1, 1))
              .setFilters(6)
              .optStride(new Shape(2, 2))
              .optBias(false)
              .build();
      Conv2d plain =
          Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(6).optBias(false).build();
      SequentialBlock rewritten = new SequentialBlock().add(ResNets.subsample(2)).add(plain);
      Shape in = new Shape(2, 4, 9, 10);
      strided.initialize(m, DataType.FLOAT32, in);
      rewritten.initialize(m, DataType.FLOAT32, in);
      NDArray w = m.randomNormal(new Shape(6, 4, 1, 1));
      strided.getParameters().get(0).getValue().getArray().set(w.toFloatArray());
      plain.getParameters().get(0).getValue().getArray().set(w.toFloatArray());
      NDArray x = m.randomNormal(in);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray a = strided.forward(ps, new NDList(x), false).singletonOrThrow();
      NDArray b = rewritten.forward(ps, new NDList(x), false).singletonOrThrow();
      assertEquals(new Shape(2, 6, 5, 5), a.getShape(), "odd sizes round up like the conv");
      assertEquals(a.getShape(), b.getShape());
      assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 1e-5f);
    }
  }

  @Test
  void resnet50HasTorchvisionsParameterCountAndFeature() {
    try (NDManager m = NDManager.newBaseManager(TorchRuntime.engine().getEngineName())) {
      Block net = ResNets.resnet50();
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      // torchvision.models.resnet50(): 25,557,032 parameters, of which fc holds 2048*1000 + 1000.
      // Batch norms' running statistics are buffers in torchvision, not parameters.
      long trainable =
          net.getParameters().values().stream()
              .filter(Parameter::requiresGradient)
              .mapToLong(p -> p.getArray().size())
              .sum();
      assertEquals(25_557_032L - 2_049_000L, trainable);
      NDArray y =
          net.forward(
                  new ParameterStore(m, false), new NDList(m.ones(new Shape(2, 3, 64, 64))), false)
              .singletonOrThrow();
      assertEquals(new Shape(2, 2048), y.getShape());
    }
  }

  /**
   * A training step of the built-in resnet50-scratch at the cpu-small finetune preset (input 96,
   * batch 16). With DJL's ResNetV1 this killed the JVM (SIGFPE in oneDNN's backward pass of the
   * strided 1×1 convolutions); here it must finish with finite gradients on every weight.
   */
  @Test
  void resnet50TrainsOnCpuAtTheCpuSmallPreset() {
    ModelSpec spec = Preset.CPU_SMALL.applyFinetune(BuiltinModels.resnet50Scratch());
    int s = spec.input().size();
    int batch = Preset.CPU_SMALL.finetuneBatchSize();
    try (NDManager m = NDManager.newBaseManager(TorchRuntime.engine().getEngineName())) {
      Block net = Encoders.builtinTrunk(spec, m);
      for (Parameter p : net.getParameters().values()) {
        if (p.requiresGradient()) {
          p.getArray().setRequiresGradient(true);
        }
      }
      try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
        NDArray x = m.randomNormal(new Shape(batch, 3, s, s));
        NDArray emb =
            net.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
        assertEquals(new Shape(batch, 2048), emb.getShape());
        gc.backward(emb.square().mean());
      }
      int weights = 0;
      for (var p : net.getParameters()) {
        if (!p.getValue().requiresGradient()) {
          continue;
        }
        NDArray g = p.getValue().getArray().getGradient();
        assertTrue(g.isInfinite().logicalOr(g.isNaN()).none().getBoolean(), p.getKey());
        if (p.getKey().endsWith("weight")) {
          weights++;
          assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + p.getKey());
        }
      }
      assertEquals(53, weights, "convolutions of ResNet-50 (stem 1, 16 units × 3, 4 projections)");
    }
  }
}
