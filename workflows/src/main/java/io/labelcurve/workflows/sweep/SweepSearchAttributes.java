package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;

/**
 * The search attributes of sweep and model workflows, to filter them in the Temporal UI of a real
 * server ({@code LabelcurveModel = "dinov2"}). They must be registered on the namespace first (see
 * docs/CLUSTER.md); the embedded test server rejects unregistered ones, so they are only set when a
 * run asks for them ({@code --search-attributes} or {@code LABELCURVE_SEARCH_ATTRIBUTES=true}).
 */
public final class SweepSearchAttributes {
  public static final SearchAttributeKey<String> SWEEP = SearchAttributeKey.forKeyword("LabelcurveSweep");
  public static final SearchAttributeKey<List<String>> MODEL =
      SearchAttributeKey.forKeywordList("LabelcurveModel");
  public static final SearchAttributeKey<List<String>> ADAPTATION =
      SearchAttributeKey.forKeywordList("LabelcurveAdaptation");
  public static final SearchAttributeKey<List<String>> SAMPLING =
      SearchAttributeKey.forKeywordList("LabelcurveSampling");

  private SweepSearchAttributes() {}

  /** The attributes of a sweep workflow: its id and every model, adaptation and sampling. */
  public static SearchAttributes ofSweep(SweepSpec spec) {
    return of(spec, spec.models());
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
