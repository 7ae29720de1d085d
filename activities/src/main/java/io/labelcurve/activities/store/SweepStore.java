package io.labelcurve.activities.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One sweep's folder in the bucket, the only place that knows its layout, and its reads and writes.
 * The activities write through it and the CLI reads through it, so that both agree on every key:
 *
 * <pre>
 * sweeps/{id}/spec.json                   what was asked: spec, dataset summary, model keys, version
 * sweeps/{id}/cells/{cell}.json           one finished cell ({@link CellRecord})
 * sweeps/{id}/cells/{cell}.ids.txt        the ids it trained on, one a line
 * sweeps/{id}/failures/{part}.json        cell id → why, per model workflow run
 * sweeps/{id}/results.csv                 every finished cell, one line per split × level
 * sweeps/{id}/report/…                    the HTML report and its files
 * sweeps/{id}/checkpoints/{cell}/…        a finetune cell's checkpoints
 * </pre>
 *
 * <p>The JSON files are indented: a person opens them. The mapper is this class's own; nothing else
 * needs to know how the files are written.
 */
public final class SweepStore {
  private static final String ROOT = "sweeps/";
  private static final String SPEC = "spec.json";
  private static final String JSON_SUFFIX = ".json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final BlobStore blobs;
  private final String sweepId;

  /**
   * @param blobs the bucket
   * @param sweepId the sweep's id: the folder {@code sweeps/{id}/}
   */
  public SweepStore(BlobStore blobs, String sweepId) {
    this.blobs = blobs;
    this.sweepId = sweepId;
  }

  /** The ids of every sweep that has written its {@code spec.json}, sorted. */
  public static List<String> sweepIds(BlobStore blobs) throws IOException {
    Set<String> ids = new TreeSet<>();
    for (String key : blobs.list(ROOT)) {
      if (key.endsWith("/" + SPEC)) {
        String id = key.substring(ROOT.length(), key.length() - SPEC.length() - 1);
        if (!id.contains("/")) {
          ids.add(id);
        }
      }
    }
    return List.copyOf(ids);
  }

  /** {@code s3://bucket/sweeps/}, for messages that name where sweeps are looked for. */
  public static String rootUri(BlobStore blobs) {
    return blobs.uri(ROOT);
  }

  public String sweepId() {
    return sweepId;
  }

  /** The URI of one of this sweep's keys. */
  public String uri(String key) {
    return blobs.uri(key);
  }

  // --- layout -------------------------------------------------------------------------------

  /** {@code sweeps/{id}/}. */
  public String prefix() {
    return ROOT + sweepId + "/";
  }

  public String specKey() {
    return prefix() + SPEC;
  }

  public String cellsPrefix() {
    return prefix() + "cells/";
  }

  public String cellKey(String cellId) {
    return cellsPrefix() + cellId + JSON_SUFFIX;
  }

  /** The file listing the ids a cell trained on. */
  public String sampledIdsKey(String cellId) {
    return cellsPrefix() + cellId + ".ids.txt";
  }

  /** Where each model workflow run writes the cells that failed in it. */
  public String failuresPrefix() {
    return prefix() + "failures/";
  }

  /** {@code failures/{part}.json}; a part is {@code {model}.{run}} (one file per run). */
  public String failuresKey(String part) {
    return failuresPrefix() + part + JSON_SUFFIX;
  }

  public String resultsKey() {
    return prefix() + "results.csv";
  }

  public String reportPrefix() {
    return prefix() + "report/";
  }

  /** {@code sweeps/{id}/checkpoints/{cell}/}. */
  public String checkpointsPrefix(String cellId) {
    return prefix() + "checkpoints/" + cellId + "/";
  }

  // --- spec.json ----------------------------------------------------------------------------

  /**
   * What a sweep asked for, as its workflow stored it.
   *
   * @param spec the sweep's spec
   * @param dataset the dataset it was checked against
   */
  public record StoredSpec(SweepSpec spec, DatasetSummary dataset) {
    /** The sweep's cells, planned again from what was stored: the same as it planned. */
    public List<Cell> cells() {
      return SweepPlanner.plan(spec, dataset);
    }
  }

  /**
   * Writes {@code spec.json}: the spec, the dataset it was checked against, the cache key of every
   * model (the report names them) and the labelcurve version that ran the sweep. Returns its URI.
   */
  public String writeSpec(
      SweepSpec spec, DatasetSummary dataset, Map<String, String> modelKeys, String version)
      throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("spec", spec);
    doc.put("dataset", dataset);
    doc.put("model_keys", new LinkedHashMap<>(modelKeys));
    doc.put("labelcurve_version", version);
    return put(specKey(), JSON.writeValueAsBytes(doc));
  }

  /** The spec and dataset of {@code spec.json}; empty before the sweep wrote it. */
  public Optional<StoredSpec> readSpec() throws IOException {
    Optional<JsonNode> doc = readSpecDocument();
    if (doc.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new StoredSpec(
            JSON.treeToValue(doc.get().get("spec"), SweepSpec.class),
            JSON.treeToValue(doc.get().get("dataset"), DatasetSummary.class)));
  }

  /**
   * The spec and dataset of a {@code spec.json} tree ({@link #readSpecDocument}); empty when there
   * is none or it lacks either, so that a report can still be drawn from the cells alone.
   */
  public static Optional<StoredSpec> parseSpec(JsonNode doc) {
    if (doc == null || !doc.has("spec") || !doc.has("dataset")) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new StoredSpec(
              JSON.treeToValue(doc.get("spec"), SweepSpec.class),
              JSON.treeToValue(doc.get("dataset"), DatasetSummary.class)));
    } catch (IOException unreadable) {
      return Optional.empty();
    }
  }

  /** {@code spec.json} as written, for a report that shows all of it. */
  public Optional<JsonNode> readSpecDocument() throws IOException {
    Optional<byte[]> bytes = blobs.get(specKey());
    return bytes.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(bytes.get()));
  }

  // --- cells --------------------------------------------------------------------------------

  /** Writes a finished cell; returns its URI. */
  public String writeCell(CellRecord record) throws IOException {
    return put(cellKey(record.cell()), JSON.writeValueAsBytes(record));
  }

  /** A finished cell, when its record is in the bucket. */
  public Optional<CellRecord> readCell(String cellId) throws IOException {
    Optional<byte[]> bytes = blobs.get(cellKey(cellId));
    return bytes.isEmpty()
        ? Optional.empty()
        : Optional.of(JSON.readValue(bytes.get(), CellRecord.class));
  }

  /** Every finished cell, in key order. */
  public List<CellRecord> readCells() throws IOException {
    List<CellRecord> cells = new ArrayList<>();
    for (String key : blobs.list(cellsPrefix())) {
      if (key.endsWith(JSON_SUFFIX)) {
        cells.add(JSON.readValue(blobs.get(key).orElseThrow(), CellRecord.class));
      }
    }
    return cells;
  }

  /** The ids of the finished cells (those with a record), without reading the records. */
  public Set<String> finishedCells() throws IOException {
    String prefix = cellsPrefix();
    Set<String> ids = new TreeSet<>();
    for (String key : blobs.list(prefix)) {
      if (key.endsWith(JSON_SUFFIX)) {
        ids.add(key.substring(prefix.length(), key.length() - JSON_SUFFIX.length()));
      }
    }
    return ids;
  }

  /** Writes the ids a cell trained on, one a line; returns the key (the record names it). */
  public String writeSampledIds(String cellId, List<String> ids) throws IOException {
    String key = sampledIdsKey(cellId);
    blobs.put(key, (String.join("\n", ids) + "\n").getBytes(StandardCharsets.UTF_8));
    return key;
  }

  /** The ids a cell trained on; empty when it has not finished. */
  public Optional<List<String>> readSampledIds(String cellId) throws IOException {
    return blobs
        .get(sampledIdsKey(cellId))
        .map(b -> new String(b, StandardCharsets.UTF_8).lines().toList());
  }

  // --- failures -----------------------------------------------------------------------------

  /** Writes one run's failed cells (id → why, sorted); returns the file's URI. */
  public String writeFailures(String part, Map<String, String> failures) throws IOException {
    return put(failuresKey(part), JSON.writeValueAsBytes(new TreeMap<>(failures)));
  }

  /** Every cell any run recorded as failed (id → why), finished or not since. */
  public Map<String, String> readFailures() throws IOException {
    Map<String, String> failures = new TreeMap<>();
    for (String key : blobs.list(failuresPrefix())) {
      if (key.endsWith(JSON_SUFFIX)) {
        JsonNode doc = JSON.readTree(blobs.get(key).orElseThrow());
        doc.fields().forEachRemaining(e -> failures.put(e.getKey(), e.getValue().asText()));
      }
    }
    return failures;
  }

  // --- results and report -------------------------------------------------------------------

  /** Writes {@code results.csv}; returns its URI. */
  public String writeResults(String csv) throws IOException {
    return put(resultsKey(), csv.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code results.csv}; empty until the sweep has written it. */
  public Optional<String> readResults() throws IOException {
    return blobs.get(resultsKey()).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /** Uploads one report file under {@code report/}; {@code relative} uses {@code /}. */
  public String writeReportFile(String relative, Path file) throws IOException {
    String key = reportPrefix() + relative;
    blobs.putFile(key, file);
    return blobs.uri(key);
  }

  /** The URI of the report's page. */
  public String reportUri() {
    return blobs.uri(reportPrefix() + "index.html");
  }

  private String put(String key, byte[] bytes) throws IOException {
    blobs.put(key, bytes);
    return blobs.uri(key);
  }
}
