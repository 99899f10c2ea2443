package dev.tandem.cli.sweep;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the process of one trial. {@link Local} runs {@code tandem train} in a child JVM of this machine with its share
 * of the cores; {@link Cluster} submits it to a Spark cluster through {@code scripts/submit.sh}. Either way the trial
 * writes its metrics into its run directory, which is all the sweep watches.
 */
public interface TrialLauncher {

  /**
   * The command line of a trial.
   *
   * @param trainArgs the arguments after {@code tandem}: {@code train --config ... --run ... --set ...} or {@code train
   *                  --resume RUN ...}
   */
  List<String> command(List<String> trainArgs);

  /** The command as a person would type it (for --dry-run); by default the command itself. */
  default List<String> display(List<String> trainArgs) {
    return command(trainArgs);
  }

  /** Environment variables to add for the trial process. */
  Map<String, String> environment();

  /** Whether an interrupted trial can continue from its checkpoints with {@code train --resume}. */
  boolean canResume();

  /** A short description for logs ("2 trials at a time, 1 core each"). */
  String describe();

  /** Starts the trial's process with its output (stdout and stderr) appended to {@code log}. */
  default Process start(List<String> trainArgs, File log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(trainArgs));
    pb.environment().putAll(environment());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return pb.start();
  }

  /**
   * Trials as child JVMs of this process, on the same class path and JVM flags. Each gets {@code cores} processors:
   * the JVM is told so ({@code -XX:ActiveProcessorCount}, which also sizes the trainer's thread pools) and so are the
   * native math libraries (OMP_NUM_THREADS and friends).
   */
  final class Local implements TrialLauncher {
    private final int cores;
    private final int parallel;
    private final List<String> jvmOptions;
    private final long parentPid;

    public Local(int cores, int parallel, List<String> jvmOptions) {
      this.cores = cores;
      this.parallel = parallel;
      this.jvmOptions = List.copyOf(jvmOptions);
      this.parentPid = ProcessHandle.current().pid();
    }

    /** Cores per trial: the machine's divided by the trials running at once (at least one). */
    public static int coresPerTrial(Integer configured, int parallel) {
      return configured != null ? configured : Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
    }

    @Override
    public List<String> command(List<String> trainArgs) {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        // this JVM's flags (module opens, heap, tandem.root) apply to trials too, except debugging agents and a
        // processor count meant for this process
        if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:ActiveProcessorCount")) {
          cmd.add(a);
        }
      }
      cmd.add("-XX:ActiveProcessorCount=" + cores);
      cmd.addAll(jvmOptions);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("dev.tandem.cli.Tandem");
      cmd.addAll(trainArgs);
      return cmd;
    }

    /** {@code tandem train ...}: the child JVM's own command line is long and says nothing more. */
    @Override
    public List<String> display(List<String> trainArgs) {
      List<String> out = new ArrayList<>(List.of("OMP_NUM_THREADS=" + cores, "TANDEM_JAVA_OPTS=-XX:ActiveProcessorCount=" + cores
          + (jvmOptions.isEmpty() ? "" : " " + String.join(" ", jvmOptions)), "scripts/tandem"));
      out.addAll(trainArgs);
      return out;
    }

    @Override
    public Map<String, String> environment() {
      String n = String.valueOf(cores);
      return Map.of("OMP_NUM_THREADS", n, "MKL_NUM_THREADS", n, "OPENBLAS_NUM_THREADS", n,
          dev.tandem.cli.Tandem.PARENT_PID_ENV, String.valueOf(parentPid));
    }

    @Override
    public boolean canResume() {
      return true;
    }

    @Override
    public String describe() {
      return parallel + " trial(s) at a time on this machine, " + cores + " core(s) each";
    }
  }

  /** Trials as Spark jobs: {@code scripts/submit.sh --cluster C --job BASE --run RUN --set ...}. */
  final class Cluster implements TrialLauncher {
    private final String submitScript;
    private final String clusterConfig;

    public Cluster(String submitScript, String clusterConfig) {
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
      return Map.of(dev.tandem.cli.Tandem.PARENT_PID_ENV, String.valueOf(ProcessHandle.current().pid()));
    }

    @Override
    public boolean canResume() {
      return true;
    }

    @Override
    public String describe() {
      return "trials submitted to the cluster of " + clusterConfig + " with " + submitScript;
    }
  }
}
