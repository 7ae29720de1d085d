package io.labelcurve.workflows.sweep;

/**
 * How one cell workflow ended, as it tells its model workflow ({@link
 * ModelSweepWorkflow#cellDone}).
 *
 * @param cellId the cell
 * @param failure the root failure message when the cell failed, null when it finished or was
 *     cancelled
 * @param cancelled true when the cell was cancelled: neither done nor failed
 */
public record CellOutcome(String cellId, String failure, boolean cancelled) {}
