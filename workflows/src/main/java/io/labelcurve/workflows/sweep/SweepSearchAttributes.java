package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;

/**
 * The search attributes of sweep and model workflows, to filter them in the Temporal UI ({@code
 * LabelcurveModel = "dinov2"}). A server rejects a workflow that carries attributes its namespace
 * does not know, so they are set only when a run asks for them ({@code --search-attributes} or
 * {@code LABELCURVE_SEARCH_ATTRIBUTES=true}) and must be registered first: {@code labelcurve
 * search-attributes register} (docs/CLUSTER.md). The embedded control plane registers them itself.
 */
public final class SweepSearchAttributes {
  public static final SearchAttributeKey<String> SWEEP =
      SearchAttributeKey.forKeyword("LabelcurveSweep");
  public static final SearchAttributeKey<List<String>> MODEL =
      SearchAttributeKey.forKeywordList("LabelcurveModel");
  public static final SearchAttributeKey<List<String>> ADAPTATION =
      SearchAttributeKey.forKeywordList("LabelcurveAdaptation");
  public static final SearchAttributeKey<List<String>> SAMPLING =
      SearchAttributeKey.forKeywordList("LabelcurveSampling");

  /** Every attribute above, in the order they are registered. */
  public static final List<SearchAttributeKey<?>> ALL = List.of(SWEEP, MODEL, ADAPTATION, SAMPLING);

  private SweepSearchAttributes() {}

  /** The attributes of a sweep workflow: its id and every model, adaptation and sampling. */
  public static SearchAttributes ofSweep(SweepSpec spec) {
    return of(spec, spec.allModels());
  }

  /** The attributes of one model's workflow. */
  public static SearchAttributes ofModel(SweepSpec spec, String model) {
    return of(spec, List.of(model));
  }

  private static SearchAttributes of(SweepSpec spec, List<String> models) {
    return SearchAttributes.newBuilder()
        .set(SWEEP, spec.id())
        .set(MODEL, models)
        .set(ADAPTATION, spec.adaptations())
        .set(SAMPLING, spec.samplings().stream().map(SamplingSpec::scheme).toList())
        .build();
  }
}
