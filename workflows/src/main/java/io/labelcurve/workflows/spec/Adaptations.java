package io.labelcurve.workflows.spec;

import java.util.List;

/** The adaptation names a spec may use. */
public final class Adaptations {
  public static final String LINEAR_PROBE = "linear-probe";
  public static final String FINETUNE = "finetune";

  /** The adaptations this version runs. */
  public static final List<String> SUPPORTED = List.of(LINEAR_PROBE, FINETUNE);

  private Adaptations() {}
}
