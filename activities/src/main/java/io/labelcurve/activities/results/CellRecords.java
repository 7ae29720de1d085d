package io.labelcurve.activities.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.labelcurve.workflows.activities.CellResult;

/** Where a sweep's cells are stored, and how they are read and written. */
public final class CellRecords {
  /** Pretty JSON: a person opens these files. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CellRecords() {}

  public static String sweepPrefix(String sweepId) {
    return "sweeps/" + sweepId + "/";
  }

  public static String cellsPrefix(String sweepId) {
    return sweepPrefix(sweepId) + "cells/";
  }

  public static String cellKey(String sweepId, String cellId) {
    return cellsPrefix(sweepId) + cellId + ".json";
  }

  public static String idsKey(String sweepId, String cellId) {
    return cellsPrefix(sweepId) + cellId + ".ids.txt";
  }

  /**
   * Where each model workflow run writes the cells that failed in it ({@code {model}.{run}.json}).
   */
  public static String failuresPrefix(String sweepId) {
    return sweepPrefix(sweepId) + "failures/";
  }

  public static String resultsKey(String sweepId) {
    return sweepPrefix(sweepId) + "results.csv";
  }

  public static String specKey(String sweepId) {
    return sweepPrefix(sweepId) + "spec.json";
  }

  /** The small result a workflow receives of a stored cell. */
  public static CellResult toResult(CellRecord r, String uri, boolean cached) {
    return new CellResult(
        r.cell(),
        uri,
        r.trainImages(),
        r.trainSeconds(),
        r.scores().stream()
            .map(s -> new CellResult.SplitScore(s.split(), s.level(), s.accuracy(), s.n()))
            .toList(),
        cached);
  }
}
