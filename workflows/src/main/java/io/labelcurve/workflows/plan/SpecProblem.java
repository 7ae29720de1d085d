package io.labelcurve.workflows.plan;

/**
 * One thing wrong with a spec, named by the field a user has to change.
 *
 * @param field path of the field in the spec, e.g. {@code samplings[0].sizes[3]}
 * @param message what is wrong and what to do
 */
public record SpecProblem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
