package io.labelcurve.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.spec.SpecReader;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.SweepProgress;
import io.labelcurve.workflows.sweep.SweepResult;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve sweep …}: start sweeps and read their state. */
@Command(name = "sweep", mixinStandardHelpOptions = true, description = "Start sweeps and follow them.",
    subcommands = {SweepCommand.Start.class, SweepCommand.Status.class})
final class SweepCommand {

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Check a spec and its dataset, upload a local dataset, and start the sweep.")
  static final class Start implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", description = "sweep spec (YAML)")
    Path specFile;

    @Option(names = "--id", description = "sweep id (overrides the spec's)")
    String id;

    @Option(names = "--wait", description = "follow the sweep until it ends and print its results")
    boolean await;

    @Mixin ConnectionOptions connection;
    @Mixin ModelOptions models;

    @Override
    public Integer call() throws Exception {
      SweepSpec spec = SpecReader.read(specFile);
      if (id != null) {
        spec = spec.withId(id);
      }
      // Fields, models and preset are checked before connecting to anything.
      ModelCatalog catalog = models.catalog();
      SpecChecks.check(spec, catalog);
      WorkflowServiceStubs stubs = connection.stubs();
      try (S3BlobStore store = connection.store()) {
        Path dir = specFile.toAbsolutePath().getParent();
        spec = SweepLauncher.prepare(spec, dir, catalog, store, System.out);
        WorkflowClient client = connection.client(stubs);
        SweepLauncher.start(client, spec);
        System.out.println("started sweep " + spec.id() + " (" + spec.models().size() + " models)");
        if (await) {
          SweepResult r = SweepStatusPrinter.await(client, spec.id(), spec.models(), System.out);
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

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Cells done, failed, running and left.")
  static final class Status implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "sweep id")
    String id;

    @Option(names = "--models", split = ",", description = "the sweep's models, to count their cells")
    List<String> sweepModels = List.of();

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
      WorkflowServiceStubs stubs = connection.stubs();
      try {
        SweepProgress p = SweepStatusPrinter.progress(connection.client(stubs), id, sweepModels);
        if (json) {
          System.out.println(new ObjectMapper().writeValueAsString(Map.of("sweep", id,
              "phase", p.phase(), "cells", p.cells(), "done", p.done(), "failed", p.failed(),
              "running", p.running(), "left", p.left())));
        } else {
          System.out.printf("sweep %s: %s, %d cells: %d done, %d failed, %d running, %d left%n",
              id, p.phase(), p.cells(), p.done(), p.failed(), p.running(), p.left());
        }
      } finally {
        stubs.shutdown();
      }
      return 0;
    }
  }
}
