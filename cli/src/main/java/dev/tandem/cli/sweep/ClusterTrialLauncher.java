package dev.tandem.cli.sweep;

import dev.tandem.cli.Tandem;
import dev.tandem.trainer.tune.sweep.TrialLauncher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trials as Spark jobs: {@code scripts/submit.sh --cluster C --job BASE --run RUN --set ...}, or {@code --resume RUN}
 * for a trial that was interrupted. The process the sweep watches is the submission (submit.sh execs the Tandem JVM
 * that drives the job), so stopping it ends the job.
 */
public final class ClusterTrialLauncher implements TrialLauncher {
  private final String submitScript;
  private final String clusterConfig;

  /**
   * @param submitScript  scripts/submit.sh (see {@link #defaultScript})
   * @param clusterConfig the cluster config every trial is submitted with
   */
  public ClusterTrialLauncher(String submitScript, String clusterConfig) {
    this.submitScript = submitScript;
    this.clusterConfig = clusterConfig;
  }

  /** scripts/submit.sh of the Tandem checkout this process runs from (the tandem.root property of scripts/tandem). */
  public static String defaultScript() {
    String root = System.getProperty("tandem.root");
    return root != null ? root + "/scripts/submit.sh" : "scripts/submit.sh";
  }

  @Override
  public List<String> command(List<String> trainArgs) {
    if (trainArgs.isEmpty() || !trainArgs.get(0).equals("train")) {
      throw new IllegalArgumentException("a cluster trial is a tandem train command: " + trainArgs);
    }
    List<String> cmd = new ArrayList<>(List.of(submitScript, "--cluster", clusterConfig));
    int resume = trainArgs.indexOf("--resume");
    if (resume > 0) {
      // the run's job.yaml holds the trial's parameters; the cluster config says where datasets are cached
      cmd.addAll(List.of("--resume", trainArgs.get(resume + 1)));
      return cmd;
    }
    for (int i = 1; i < trainArgs.size(); i++) {
      String a = trainArgs.get(i);
      if (a.equals("--cache")) {
        i++; // the cluster config says where the cluster caches datasets (hdfs.cache)
        continue;
      }
      // submit.sh names the job file --job; --run and --set are passed through
      cmd.add(a.equals("--config") ? "--job" : a);
    }
    return cmd;
  }

  @Override
  public Map<String, String> environment() {
    return Map.of(Tandem.PARENT_PID_ENV, String.valueOf(ProcessHandle.current().pid()));
  }

  @Override
  public boolean canResume() {
    return true;
  }

  @Override
  public String describe() {
    return "trials submitted to the cluster of " + clusterConfig + " with " + submitScript;
  }

  @Override
  public boolean isTrialProcess(ProcessHandle process) {
    return TrialLauncher.runs(process, Tandem.class.getName());
  }
}
