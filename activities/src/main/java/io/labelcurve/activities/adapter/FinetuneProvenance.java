package io.labelcurve.activities.adapter;

import io.labelcurve.activities.finetune.AdamW;
import io.labelcurve.activities.finetune.FinetuneConfig;
import io.labelcurve.activities.finetune.FinetuneRun;
import io.labelcurve.activities.finetune.Network;
import io.labelcurve.activities.model.Preset;
import java.util.Locale;
import java.util.Map;

/**
 * What a finetune cell trained and how, from the configuration the trainer ran with and the run it
 * made.
 *
 * @param modelDigest the catalog's digest of the pretrained model
 * @param preset the preset (batch size, samples seen, input cap)
 * @param config what the trainer was given: model spec (input, head), learning rate, batch size,
 *     epochs, checkpoint interval, gradient clipping
 * @param epochsFrom where the epochs came from: the spec, or the rule with its numbers
 * @param run what the training did: steps, samples seen, losses, resume point, checkpoint time
 * @param device the device the cell trained and was evaluated on
 * @param deviceSlot the worker's device slot it had, as "i of n"
 * @param numericsEncoder the pretrained encoder's numerics check at the training batch size
 * @param numericsEvaluation the finetuned model's numerics check at the evaluation batch size
 * @param finalModel where the final weights were kept, or null when they were not
 */
record FinetuneProvenance(
    String modelDigest,
    Preset preset,
    FinetuneConfig config,
    String epochsFrom,
    FinetuneRun run,
    String device,
    String deviceSlot,
    String numericsEncoder,
    String numericsEvaluation,
    String finalModel)
    implements CellProvenance.Adaptation {

  /** The epochs' origin when the spec gave none: the rule over the samples a cell sees. */
  static String epochsRule(Preset preset, int trainImages) {
    return "max(1, ceil(" + preset.finetuneSamples() + " / " + trainImages + "))";
  }

  static final String EPOCHS_FROM_SPEC = "spec finetune_epochs";

  @Override
  public void addTo(Map<String, String> p) {
    p.put("model_digest", modelDigest);
    p.put("preset", preset.name());
    p.put("input", config.spec().input().size() + " crop of " + config.spec().input().resize());
    p.put(
        "optimizer",
        String.format(
            Locale.ROOT,
            "AdamW(lr=%s, betas=(%s, %s), eps=%s, weight_decay=%s), linear decay to 0, no warm-up",
            config.learningRate(),
            AdamW.BETA1,
            AdamW.BETA2,
            AdamW.EPSILON,
            AdamW.WEIGHT_DECAY));
    p.put("lr", String.valueOf(config.learningRate()));
    p.put(
        "max_grad_norm",
        config.maxGradNorm() == 0 ? "0 (no clipping)" : String.valueOf(config.maxGradNorm()));
    p.put("head", Network.headDescription(config.spec()));
    p.put("batch_size", String.valueOf(config.batchSize()));
    p.put("epochs", String.valueOf(config.epochs()));
    p.put("epochs_from", epochsFrom);
    p.put("steps", String.valueOf(run.totalSteps()));
    p.put("samples_seen", String.valueOf(run.samplesSeen()));
    if (preset.capsFinetuneSamples()) {
      p.put(
          "samples_cap",
          "cpu preset caps samples seen at "
              + preset.finetuneSamples()
              + " (the paper: "
              + Preset.PAPER_FINETUNE_SAMPLES
              + ")");
    }
    double[] losses = run.losses();
    p.put(
        "final_loss",
        losses.length == 0 ? "resumed at the end" : String.valueOf(losses[losses.length - 1]));
    if (run.resumedFrom() != null) {
      p.put("resumed_from", run.resumedFrom());
      p.put("resumed_at_step", String.valueOf(run.firstStep()));
    }
    p.put("checkpoint_every", String.valueOf(config.checkpointEvery()));
    p.put("checkpoint_seconds", String.format(Locale.ROOT, "%.3f", run.checkpointSeconds()));
    p.put("device", device);
    p.put("device_slot", deviceSlot);
    p.put("numerics_encoder", numericsEncoder);
    p.put("numerics_evaluation", numericsEvaluation);
    if (finalModel != null) {
      p.put("final_model", finalModel);
    }
  }
}
