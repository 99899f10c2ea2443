package dev.tandem.cli;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.ClusterSection;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.Refit;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import dev.tandem.trainer.train.Trainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem train}. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a job's model (and its baseline), with checkpoints, per-epoch metrics and training curves in the run directory.")
final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--config", description = "Job config (YAML).")
  String config;
  @Option(names = "--run", description = "Run directory (any Hadoop FileSystem URI); default: $TANDEM_HOME/runs/<name>.")
  String run;
  @Option(names = "--resume", paramLabel = "RUN", description = "Continue the run in RUN from its last good checkpoint (uses RUN/job.yaml).")
  String resume;
  @Option(names = "--fresh", description = "With --resume: when every checkpoint of the run is damaged, start the run over (the damaged"
      + " checkpoints are moved to RUN/checkpoints-damaged-TIME) instead of refusing.")
  boolean fresh;
  @Option(names = "--data", paramLabel = "DIR", description = "Train on the dataset prepared in DIR (tandem data prepare --out DIR) instead"
      + " of preparing one; it must have been prepared from the job's dataset section (same as prepared: DIR in the job).")
  String data;
  @Option(names = "--refit", paramLabel = "RUN", description = "Refit the finished run in RUN on train + validation for the epochs its"
      + " validation chose, into RUN/refit (what train.refit: true does after training; e.g. for the best trial of a sweep).")
  String refitOf;
  @Option(names = "--set", description = "Override a config key, e.g. --set seed=7 --set train.epochs=5 (repeatable). With --resume only"
      + " cluster.parameter_server.* (e.g. the shards' addresses, or another number of shards).")
  List<String> overrides = new ArrayList<>();
  @Option(names = "--cache", description = "Where prepared datasets are cached (default: the cluster's hdfs.cache, else $TANDEM_HOME/cache).")
  String cache;
  @Option(names = "--cluster", description = "Cluster config (cluster-config/*.yaml) for jobs with cluster.mode: spark.")
  String cluster;

  private static final String PS_KEYS = "cluster.parameter_server.";

  @Override
  public Integer call() {
    ConfigLoader.Loaded<JobConfig> job;
    RunDirectory dir;
    boolean resuming = resume != null;
    if (refitOf != null) {
      return refitOnly();
    }
    if (fresh && !resuming) {
      throw new ConfigException("", "--fresh goes with --resume RUN: it lets a run whose checkpoints are all damaged start over");
    }
    if (resuming) {
      if (config != null || data != null) {
        throw new ConfigException("", "--resume continues a run with its own job.yaml: --config and --data are not allowed with it");
      }
      for (String o : overrides) {
        // where the parameter-server shards run is deployment, not the model: a resumed run may find them elsewhere, or
        // more or fewer of them (the checkpoint's rows are re-hashed onto the shards listed)
        if (!o.startsWith(PS_KEYS)) {
          throw new ConfigException(o.contains("=") ? o.substring(0, o.indexOf('=')) : o, "--resume continues a run with its own job.yaml: "
              + "only " + PS_KEYS + "* may be changed with --set (the shards' addresses)");
        }
      }
      dir = RunDirectory.at(resume);
      if (!dir.exists()) {
        throw new IllegalArgumentException("no run to resume at " + dir.root() + " (job.yaml is missing)");
      }
      job = JobConfig.load(dir.job().toString(), overrides);
    } else {
      if (config == null) {
        throw new ConfigException("", "give --config JOB.yaml (or --resume RUN)");
      }
      List<String> all = new ArrayList<>(overrides);
      if (data != null) {
        all.add("prepared=" + Fs.path(data)); // recorded in the run's job.yaml, so --resume finds the same dataset
      }
      job = JobConfig.load(config, all);
      dir = RunDirectory.at(run != null ? run : Context.home() + "/runs/" + job.value().name());
      if (dir.exists()) {
        throw new IllegalArgumentException("run directory " + dir.root() + " already holds a run: continue it with --resume "
            + dir.root() + " or choose another --run");
      }
    }
    job.value().requireModel(); // the rest of the job was checked on load: nothing is read or prepared for a job that cannot train
    Trainer trainer = Trainers.forJob(job, cluster);
    String cacheRoot = cacheRoot(job);
    PreparedDataset ds = Datasets.resolve(job, cacheRoot, Context.progress());
    TrainingState state = trainer.train(new RunRequest(job, dir, ds, resuming, Context.progress(), fresh));
    PrintWriter out = spec.commandLine().getOut();
    report(out, job.value(), dir, state);
    if (job.value().train().refit()) {
      out.println();
      reportRefit(out, dir, Refit.run(trainer, dir, cacheRoot, Context.progress()));
    }
    out.flush();
    return 0;
  }

  private int refitOnly() {
    if (config != null || resume != null || !overrides.isEmpty()) {
      throw new ConfigException("", "--refit refits a finished run with its own job.yaml: --config, --resume and --set are not allowed with it");
    }
    RunDirectory dir = RunDirectory.at(refitOf);
    if (!dir.exists()) {
      throw new IllegalArgumentException("no run to refit at " + dir.root() + " (job.yaml is missing)");
    }
    ConfigLoader.Loaded<JobConfig> job = JobConfig.load(dir.job().toString(), List.of());
    PrintWriter out = spec.commandLine().getOut();
    reportRefit(out, dir, Refit.run(Trainers.forJob(job, cluster), dir, cacheRoot(job), Context.progress()));
    out.flush();
    return 0;
  }

  private String cacheRoot(ConfigLoader.Loaded<JobConfig> job) {
    return cache != null ? cache : job.value().cluster().mode() == ClusterSection.Mode.SPARK
        ? Trainers.cluster(job, cluster).hdfs().cacheOrDefault(Context.home() + "/cache") : Context.home() + "/cache";
  }

  private static void reportRefit(PrintWriter out, RunDirectory dir, TrainingState refitState) {
    RunDirectory refit = Refit.dir(dir);
    out.printf("refit of %s on train + validation, %d epochs as validation chose:%n", dir.root(), refitState.history().size());
    report(out, JobConfig.load(refit.job().toString(), List.of()).value(), refit, refitState);
  }

  private static void report(PrintWriter out, JobConfig job, RunDirectory dir, TrainingState state) {
    out.printf("%s: %s%n", job.name(), state.stopReason());
    Tables t = new Tables("epoch", "train loss", "validation metric", "examples/s", "best");
    Metric metric = job.validationMetric();
    for (EpochMetrics m : state.history()) {
      t.row(m.epoch(), m.trainLoss(), m.value(metric), m.examplesPerSecond(), m.improved() ? "*" : "");
    }
    boolean validated = state.history().stream().anyMatch(e -> !Double.isNaN(e.value(metric)));
    out.println(validated ? metric.name() + " on the validation split, per epoch:"
        : "per epoch (no validation split to score: the last epoch is the model):");
    t.print(out);
    out.printf("%nrun directory:   %s%ncheckpoints:     %s (best: %s)%nmetrics:         %s%ntraining curves: %s%n", dir.root(), dir.checkpoints(),
        state.bestCheckpoint(), dir.metrics(), dir.curves());
    out.printf("next: tandem evaluate --run %s --split test%n", dir.root());
  }
}
