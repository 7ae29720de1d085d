package io.labelcurve.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.spec.SpecReader;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.SweepResult;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve sweep …}: start sweeps and read their state. */
@Command(name = "sweep", mixinStandardHelpOptions = true, description = "Start sweeps and follow them.",
    subcommands = {SweepCommand.Start.class, SweepCommand.Status.class, SweepCommand.Watch.class,
        SweepCommand.ListSweeps.class, SweepCommand.Cancel.class, SweepCommand.Rerun.class,
        SweepCommand.Plan.class})
final class SweepCommand {

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Check a spec and its dataset, upload a local dataset, and start the sweep.")
  static final class Start implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", arity = "0..1", description = "sweep spec (YAML)")
    Path specFile;

    @Option(names = "--preset", description = "a built-in grid instead of a spec: paper (needs"
        + " --dataset; the same grid as examples/paper-sweep.yaml)")
    String preset;

    @Option(names = "--dataset", description = "with --preset: the manifest.csv (or s3:// URI)")
    String dataset;

    @Option(names = "--id", description = "sweep id (overrides the spec's)")
    String id;

    @Option(names = "--wait", description = "follow the sweep until it ends and print its results")
    boolean await;

    @Option(names = "--search-attributes", description = "set the Labelcurve* search attributes"
        + " (registered first with `search-attributes register`; env "
        + SweepLauncher.ENV_SEARCH_ATTRIBUTES + ")")
    boolean searchAttributes;

    @Mixin ConnectionOptions connection;
    @Mixin ModelOptions models;

    @Override
    public Integer call() throws Exception {
      SweepSpec spec = presetOrSpec(preset, dataset, specFile);
      if (id != null) {
        spec = spec.withId(id);
      }
      // Fields, models and preset are checked before connecting to anything.
      ModelCatalog catalog = models.catalog();
      SpecChecks.check(spec, catalog);
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        Path dir = specFile != null ? specFile.toAbsolutePath().getParent()
            : Path.of("").toAbsolutePath();
        spec = SweepLauncher.prepare(spec, dir, catalog, store, System.out);
        WorkflowClient client = connection.client(stubs);
        SweepLauncher.start(client, new io.labelcurve.workflows.sweep.SweepRequest(spec, null,
            searchAttributes || SweepLauncher.searchAttributesFromEnvironment()));
        System.out.println("started sweep " + spec.id() + " (" + spec.allModels().size() + " models)");
        if (await) {
          SweepResult r = SweepStatusPrinter.await(client, spec.id(), spec.allModels(), System.out);
          String csv = new String(store.get(store.keyOf(r.resultsUri())).orElseThrow(),
              java.nio.charset.StandardCharsets.UTF_8);
          ResultsTable.print(csv, System.out);
          System.out.println(r.cellsDone() + " cells done, " + r.cellsFailed() + " failed; " + r.resultsUri());
          return r.cellsFailed() == 0 ? 0 : 1;
        }
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Cells done, failed, running and left; images embedded; ETA.")
  static final class Status implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        SweepOps.Status s = SweepOps.status(connection.client(stubs), store, id);
        System.out.println(json ? JSON.writeValueAsString(SweepOps.json(s)) : SweepOps.line(s));
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "A live progress bar, redrawn every second until the sweep ends.")
  static final class Watch implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Option(names = "--interval", description = "seconds between redraws (default 1)")
    double interval = 1;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        WorkflowClient client = connection.client(stubs);
        boolean tty = System.console() != null;
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
          if (tty) {
            System.out.print("\r" + line + "\u001b[K");
            System.out.flush();
          } else if (!line.equals(last)) {
            System.out.println(line);
          }
          last = line;
          if (!"RUNNING".equals(s.state())) {
            if (tty) {
              System.out.println();
            }
            System.out.println(SweepOps.line(s));
            return s.failed() == 0 && s.left() == 0 ? 0 : 1;
          }
          Thread.sleep((long) (interval * 1000));
        }
      } finally {
        stubs.shutdown();
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every sweep in the bucket with its state.")
  static final class ListSweeps implements Callable<Integer> {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        List<SweepOps.Status> all = SweepOps.list(connection.client(stubs), store);
        if (json) {
          System.out.println(JSON.writeValueAsString(all.stream().map(SweepOps::json).toList()));
        } else if (all.isEmpty()) {
          System.out.println("no sweeps in " + store.uri("sweeps/"));
        } else {
          System.out.printf("%-32s %-10s %7s %7s %7s %7s%n", "sweep", "state", "cells", "done",
              "failed", "left");
          for (SweepOps.Status s : all) {
            System.out.printf("%-32s %-10s %7d %7d %7d %7d%n", s.sweep(), s.state(), s.cells(),
                s.done(), s.failed(), s.left());
          }
        }
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Stop a sweep: no new cells; finished results stay and results.csv is written.")
  static final class Cancel implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try {
        SweepOps.cancel(connection.client(stubs), id);
        System.out.println("cancelling sweep " + id + ": no new cells start; cells in flight finish;"
            + " 'labelcurve sweep rerun " + id + "' runs the rest later");
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }

  @Command(name = "rerun", mixinStandardHelpOptions = true,
      description = "Run a sweep's failed and missing cells again under its id; finished cells are kept.")
  static final class Rerun implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Option(names = "--failed-only", description = "only the cells that failed, not those never run")
    boolean failedOnly;

    @Option(names = "--wait", description = "follow the rerun until it ends")
    boolean await;

    @Option(names = "--search-attributes", description = "set the Labelcurve* search attributes"
        + " (env " + SweepLauncher.ENV_SEARCH_ATTRIBUTES + ")")
    boolean searchAttributes;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        WorkflowClient client = connection.client(stubs);
        java.util.Set<String> cells = SweepOps.rerun(client, store, id, failedOnly,
            searchAttributes || SweepLauncher.searchAttributesFromEnvironment());
        if (cells.isEmpty()) {
          System.out.println("sweep " + id + ": nothing to rerun, every "
              + (failedOnly ? "failed cell has finished since" : "planned cell has a result"));
          return 0;
        }
        System.out.println("rerunning " + cells.size() + (failedOnly ? " failed" : " failed and missing")
            + " cells of sweep " + id);
        if (await) {
          SweepResult r = SweepStatusPrinter.await(client, id,
              SweepOps.require(store, id).spec().allModels(), System.out);
          System.out.println(r.cellsDone() + " cells done, " + r.cellsFailed() + " failed; " + r.resultsUri());
          return r.cellsFailed() == 0 ? 0 : 1;
        }
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }

  @Command(name = "plan", mixinStandardHelpOptions = true,
      description = "Print a sweep's cells, finetune epochs and a GPU-hour estimate; starts nothing.")
  static final class Plan implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", arity = "0..1", description = "sweep spec (YAML)")
    Path specFile;

    @Option(names = "--preset", description = "a built-in grid instead of a spec: paper")
    String preset;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
      SweepPlan.Plan plan;
      if (preset != null) {
        if (!PaperPreset.NAME.equals(preset)) {
          throw new UserError("--preset: '" + preset + "' is not a preset; use paper");
        }
        plan = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true);
      } else if (specFile != null) {
        SweepSpec spec = SpecReader.read(specFile);
        plan = SweepPlan.of(spec, LocalDataset.summaryOrPlaceholder(spec, specFile), false);
      } else {
        throw new UserError("give a SPEC or --preset paper");
      }
      if (json) {
        System.out.println(JSON.writeValueAsString(plan));
      } else {
        SweepPlan.print(plan, System.out);
      }
      return 0;
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
        throw new UserError("--preset paper needs --dataset: the path of a manifest.csv or an"
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
}
