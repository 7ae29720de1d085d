package io.labelcurve.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.spec.SpecReader;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve sweep …}: start sweeps and read their state. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = "Start sweeps and follow them.",
    subcommands = {
      SweepCommand.Start.class,
      SweepCommand.Status.class,
      SweepCommand.Watch.class,
      SweepCommand.ListSweeps.class,
      SweepCommand.Cancel.class,
      SweepCommand.Rerun.class,
      SweepCommand.Plan.class
    })
final class SweepCommand {

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Check a spec and its dataset, upload a local dataset, and start the sweep.")
  static final class Start implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", arity = "0..1", description = "sweep spec (YAML)")
    Path specFile;

    @Option(
        names = "--preset",
        description =
            "a built-in grid instead of a spec: paper (needs"
                + " --dataset; the same grid as examples/paper-sweep.yaml)")
    String preset;

    @Option(names = "--dataset", description = "with --preset: the manifest.csv (or s3:// URI)")
    String dataset;

    @Option(names = "--id", description = "sweep id (overrides the spec's)")
    String id;

    @Option(names = "--wait", description = "follow the sweep until it ends and print its results")
    boolean await;

    @Option(
        names = "--search-attributes",
        description =
            "set the Labelcurve* search attributes"
                + " (registered first with `search-attributes register`; env "
                + SweepLauncher.ENV_SEARCH_ATTRIBUTES
                + ")")
    boolean searchAttributes;

    @Mixin ConnectionOptions connection;
    @Mixin ModelOptions models;
    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      SweepSpec spec = presetOrSpec(preset, dataset, specFile);
      if (id != null) {
        spec = spec.withId(id);
      }
      // Fields, models and preset are checked before connecting to anything.
      ModelCatalog catalog = models.catalog();
      SpecChecks.check(spec, catalog);
      PrintStream progress = output.progress();
      SweepSpec checked = spec;
      return withTemporalAndBucket(
          connection, (client, store) -> start(checked, catalog, client, store, progress));
    }

    private Integer start(
        SweepSpec checked,
        ModelCatalog catalog,
        WorkflowClient client,
        S3BlobStore store,
        PrintStream progress)
        throws Exception {
      Path dir =
          specFile != null ? specFile.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
      SweepSpec spec = SweepLauncher.prepare(checked, dir, catalog, store, progress);
      SweepWorkflow sweep =
          SweepLauncher.start(
              client,
              new io.labelcurve.workflows.sweep.SweepRequest(
                  spec, null, searchAttributes || SweepLauncher.searchAttributesFromEnvironment()));
      String runId = WorkflowStub.fromTyped(sweep).getExecution().getRunId();
      String ui = connection.uiUrl(spec.id(), runId);
      Map<String, Object> started = new LinkedHashMap<>();
      started.put("sweep", spec.id());
      started.put("workflow_id", spec.id());
      started.put("run_id", runId);
      started.put("namespace", connection.temporalSettings().namespace());
      started.put("ui_url", ui);
      started.put("models", spec.allModels());
      progress.println(
          "started sweep "
              + spec.id()
              + " ("
              + spec.allModels().size()
              + " models)"
              + "\n  workflow id "
              + spec.id()
              + "\n  run id      "
              + runId
              + "\n  Temporal UI "
              + ui
              + "   ("
              + ConnectionOptions.ENV_UI_URL
              + " sets the UI's address)");
      if (!await) {
        if (output.json()) {
          output.printJson(started);
        }
        return ExitCode.OK.code();
      }
      SweepResult r =
          SweepStatusPrinter.await(client, store, spec.id(), spec.allModels(), progress);
      if (output.json()) {
        started.put("result", resultJson(r));
        output.printJson(started);
      } else {
        ResultsTable.print(
            new SweepStore(store, spec.id()).readResults().orElseThrow(), System.out);
        System.out.println(
            r.cellsDone() + " cells done, " + r.cellsFailed() + " failed; " + r.resultsUri());
      }
      return ExitCode.ofCells(r.cellsFailed()).code();
    }
  }

  /** A finished sweep's result for {@code -o json}. */
  static Map<String, Object> resultJson(SweepResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cells", r.cells());
    m.put("cells_done", r.cellsDone());
    m.put("cells_failed", r.cellsFailed());
    m.put("images_embedded", r.imagesEmbedded());
    m.put("images_from_cache", r.imagesFromCache());
    m.put("results_uri", r.resultsUri());
    return m;
  }

  /**
   * What every subcommand about one existing sweep takes: its id, where its Temporal server and
   * bucket are, and the output format.
   */
  abstract static class OnSweep {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Mixin ConnectionOptions connection;
    @Mixin OutputOptions output;
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Cells done, failed, running and left; images embedded; ETA.")
  static final class Status extends OnSweep implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return withTemporalAndBucket(
          connection,
          (client, store) -> {
            SweepOps.Status s = SweepOps.status(client, store, id);
            // Where the finished finetune cells ran, from their records (status only: watch and
            // list would read every record on every redraw).
            SweepDevices devices = SweepDevices.of(store, id);
            if (output.json()) {
              Map<String, Object> json = new LinkedHashMap<>(SweepOps.json(s));
              json.put("devices", devices.json());
              System.out.println(JSON.writeValueAsString(json));
            } else {
              System.out.println(SweepOps.line(s));
              if (!devices.line().isEmpty()) {
                System.out.println("  " + devices.line());
              }
            }
            return ExitCode.OK.code();
          });
    }
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = "A live progress bar, redrawn every second until the sweep ends.")
  static final class Watch extends OnSweep implements Callable<Integer> {
    @Option(names = "--interval", description = "seconds between redraws (default 1)")
    double interval = 1;

    @Override
    public Integer call() throws Exception {
      return withTemporalAndBucket(connection, this::watch);
    }

    private Integer watch(WorkflowClient client, S3BlobStore store) throws Exception {
      // With -o json the bar goes to stderr and stdout gets the final status alone.
      PrintStream out = output.progress();
      boolean tty = System.console() != null && !output.json();
      String last = "";
      long downSince = -1;
      while (true) {
        SweepOps.Status s;
        try {
          s = SweepOps.status(client, store, id);
          downSince = -1;
        } catch (UserError noSuchSweep) {
          throw noSuchSweep;
        } catch (RuntimeException queryFailed) {
          // A query can fail while a workflow task is in flight; the next one will answer. A
          // server that goes away is waited for (a restart) up to a minute; one that never
          // answered is an error at once.
          if (TemporalErrors.unreachable(queryFailed).isPresent()) {
            long now = System.nanoTime();
            downSince = downSince < 0 ? now : downSince;
            if (last.isEmpty() || now - downSince > TimeUnit.SECONDS.toNanos(60)) {
              throw queryFailed;
            }
          }
          Thread.sleep((long) (interval * 1000));
          continue;
        }
        String line = SweepOps.bar(s, 40) + "  " + s.phase();
        String embedding = EmbeddingProgress.line(s.embedding());
        if (tty) {
          // Two lines while models embed: the bar, and under it the embedding line.
          System.out.print(
              "\r"
                  + line
                  + "\u001b[J"
                  + (embedding.isEmpty() ? "" : "\n" + embedding + "\u001b[K\u001b[1A\r"));
          System.out.flush();
        } else if (!(line + embedding).equals(last)) {
          out.println(line);
          if (!embedding.isEmpty()) {
            out.println("  " + embedding);
          }
        }
        last = line + embedding;
        if (!"RUNNING".equals(s.state())) {
          if (tty) {
            System.out.println("\u001b[J");
          }
          if (output.json()) {
            output.printJson(SweepOps.json(s));
          } else {
            System.out.println(SweepOps.line(s));
          }
          return ExitCode.ofState(s.state(), s.failed(), s.left()).code();
        }
        Thread.sleep((long) (interval * 1000));
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Every sweep in the bucket with its state.")
  static final class ListSweeps implements Callable<Integer> {
    @Mixin OutputOptions output;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      return withTemporalAndBucket(connection, this::list);
    }

    private Integer list(WorkflowClient client, S3BlobStore store) throws Exception {
      List<SweepOps.Status> all = SweepOps.list(client, store);
      if (output.json()) {
        System.out.println(JSON.writeValueAsString(all.stream().map(SweepOps::json).toList()));
      } else if (all.isEmpty()) {
        System.out.println("no sweeps in " + SweepStore.rootUri(store));
      } else {
        System.out.printf(
            "%-32s %-10s %7s %7s %7s %7s%n", "sweep", "state", "cells", "done", "failed", "left");
        for (SweepOps.Status s : all) {
          System.out.printf(
              "%-32s %-10s %7d %7d %7d %7d%n",
              s.sweep(), s.state(), s.cells(), s.done(), s.failed(), s.left());
        }
      }
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Stop a sweep: no new cells; finished results stay and results.csv is written.")
  static final class Cancel extends OnSweep implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      // The bucket is not needed: a sweep can be cancelled while S3 is down.
      withTemporal(
          connection,
          client -> {
            SweepOps.cancel(client, id);
            return null;
          });
      if (output.json()) {
        output.printJson(Map.of("sweep", id, "cancel_requested", true));
      } else {
        System.out.println(
            "cancelling sweep "
                + id
                + ": no new cells start; cells in flight"
                + " finish; 'labelcurve sweep rerun "
                + id
                + "' runs the rest later");
      }
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "rerun",
      mixinStandardHelpOptions = true,
      description =
          "Run a sweep's failed and missing cells again under its id; finished cells are kept.")
  static final class Rerun extends OnSweep implements Callable<Integer> {
    @Option(
        names = "--failed-only",
        description = "only the cells that failed, not those never run")
    boolean failedOnly;

    @Option(names = "--wait", description = "follow the rerun until it ends")
    boolean await;

    @Option(
        names = "--search-attributes",
        description =
            "set the Labelcurve* search attributes"
                + " (env "
                + SweepLauncher.ENV_SEARCH_ATTRIBUTES
                + ")")
    boolean searchAttributes;

    @Override
    public Integer call() throws Exception {
      return withTemporalAndBucket(connection, this::rerun);
    }

    private Integer rerun(WorkflowClient client, S3BlobStore store) throws Exception {
      java.util.Set<String> cells =
          SweepOps.rerun(
              client,
              store,
              id,
              failedOnly,
              searchAttributes || SweepLauncher.searchAttributesFromEnvironment());
      PrintStream progress = output.progress();
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("sweep", id);
      json.put("cells", cells.size());
      if (cells.isEmpty()) {
        progress.println(
            "sweep "
                + id
                + ": nothing to rerun, every "
                + (failedOnly ? "failed cell has finished since" : "planned cell has a result"));
      } else {
        String runId = client.newUntypedWorkflowStub(id).describe().getExecution().getRunId();
        json.put("run_id", runId);
        json.put("ui_url", connection.uiUrl(id, runId));
        progress.println(
            "rerunning "
                + cells.size()
                + (failedOnly ? " failed" : " failed and missing")
                + " cells of sweep "
                + id
                + "\n  run id      "
                + runId
                + "\n  Temporal UI "
                + json.get("ui_url"));
      }
      if (await && !cells.isEmpty()) {
        SweepResult r =
            SweepStatusPrinter.await(
                client, store, id, SweepOps.require(store, id).spec().allModels(), progress);
        json.put("result", resultJson(r));
        progress.println(
            r.cellsDone() + " cells done, " + r.cellsFailed() + " failed; " + r.resultsUri());
        if (output.json()) {
          output.printJson(json);
        }
        return ExitCode.ofCells(r.cellsFailed()).code();
      }
      if (output.json()) {
        output.printJson(json);
      }
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description =
          "Print a sweep's cells, finetune epochs and a GPU-hour estimate; starts nothing.")
  static final class Plan implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", arity = "0..1", description = "sweep spec (YAML)")
    Path specFile;

    @Option(names = "--preset", description = "a built-in grid instead of a spec: paper")
    String preset;

    @Option(
        names = "--device",
        description =
            "the device whose rates estimate the hours: h100 (PyTorch's rates on one H100;"
                + " default) or cpu (labelcurve's on the 2-core build machine); the sources are"
                + " printed")
    String device = DeviceRates.DEFAULT_DEVICE;

    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      SweepPlan.Plan plan;
      if (preset != null) {
        if (!PaperPreset.NAME.equals(preset)) {
          throw new UserError("--preset: '" + preset + "' is not a preset; use paper");
        }
        plan = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true, device);
      } else if (specFile != null) {
        SweepSpec spec = SpecReader.read(specFile);
        io.labelcurve.workflows.spec.DatasetSummary dataset =
            LocalDataset.summaryOrPlaceholder(spec, specFile);
        // What `sweep start` would refuse, refused here too: the spec's shape, and against a
        // local dataset its splits and sizes (models are not checked: the plan may be for a
        // cluster's catalog).
        List<io.labelcurve.workflows.plan.SpecProblem> problems =
            new java.util.ArrayList<>(io.labelcurve.workflows.plan.SweepPlanner.checkShape(spec));
        if (!LocalDataset.PLACEHOLDER_DIGEST.equals(dataset.digest())) {
          problems.addAll(io.labelcurve.workflows.plan.SweepPlanner.checkAgainst(spec, dataset));
        }
        if (!problems.isEmpty()) {
          throw new io.labelcurve.activities.BadInputException(
              specFile
                  + ": the sweep spec cannot"
                  + " run:\n  "
                  + problems.stream()
                      .map(Object::toString)
                      .collect(java.util.stream.Collectors.joining("\n  ")));
        }
        plan = SweepPlan.of(spec, dataset, false, device);
      } else {
        throw new UserError("give a SPEC or --preset paper");
      }
      if (output.json()) {
        System.out.println(JSON.writeValueAsString(plan));
      } else {
        SweepPlan.print(plan, System.out);
      }
      return ExitCode.OK.code();
    }
  }

  /** The spec of {@code sweep start}: a preset over {@code --dataset}, or the SPEC file. */
  static SweepSpec presetOrSpec(String preset, String dataset, Path specFile) {
    if (preset != null) {
      if (!PaperPreset.NAME.equals(preset)) {
        throw new UserError("--preset: '" + preset + "' is not a preset; use paper");
      }
      if (specFile != null) {
        throw new UserError("give either a SPEC or --preset, not both");
      }
      if (dataset == null || dataset.isBlank()) {
        throw new UserError(
            "--preset paper needs --dataset: the path of a manifest.csv or an"
                + " s3:// URI (splits train, T1 and T2)");
      }
      return PaperPreset.spec(dataset);
    }
    if (specFile == null) {
      throw new UserError("give a SPEC or --preset paper --dataset MANIFEST");
    }
    if (dataset != null) {
      throw new UserError("--dataset goes with --preset; a spec names its own dataset");
    }
    return SpecReader.read(specFile);
  }

  static final ObjectMapper JSON = new ObjectMapper();

  /** What a subcommand does with a Temporal client. */
  @FunctionalInterface
  interface WithTemporal<T> {
    T call(WorkflowClient client) throws Exception;
  }

  /** What a subcommand does with a Temporal client and the bucket. */
  @FunctionalInterface
  interface WithTemporalAndBucket<T> {
    T call(WorkflowClient client, S3BlobStore store) throws Exception;
  }

  /** Connects to Temporal, runs {@code body}, and closes the connection however it ends. */
  static <T> T withTemporal(ConnectionOptions connection, WithTemporal<T> body) throws Exception {
    WorkflowServiceStubs stubs = connection.stubs();
    try {
      return body.call(connection.client(stubs));
    } finally {
      stubs.shutdown();
    }
  }

  /** As {@link #withTemporal}, with the bucket open too (closed first). */
  static <T> T withTemporalAndBucket(ConnectionOptions connection, WithTemporalAndBucket<T> body)
      throws Exception {
    return withTemporal(
        connection,
        client -> {
          try (S3BlobStore store = connection.store()) {
            return body.call(client, store);
          }
        });
  }
}
