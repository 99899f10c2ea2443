package dev.tandem.trainer.tune.sweep;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trials as child JVMs of this process, on the same class path and JVM flags, running the Tandem entry point. Each
 * gets {@code cores} processors: the JVM is told so ({@code -XX:ActiveProcessorCount}, which also sizes the trainer's
 * thread pools) and so are the native math libraries (OMP_NUM_THREADS and friends).
 */
public final class LocalTrialLauncher implements TrialLauncher {
  private final String mainClass;
  private final String parentPidEnv;
  private final int cores;
  private final int parallel;
  private final List<String> jvmOptions;
  private final long parentPid;

  /**
   * @param mainClass    the entry point whose {@code train} command the child runs ({@code dev.tandem.cli.Tandem})
   * @param parentPidEnv the variable through which the child learns this process's pid, to end itself when it dies
   * @param cores        cores per trial
   * @param parallel     trials at once (for {@link #describe})
   * @param jvmOptions   extra options of every trial JVM
   */
  public LocalTrialLauncher(String mainClass, String parentPidEnv, int cores, int parallel, List<String> jvmOptions) {
    this.mainClass = mainClass;
    this.parentPidEnv = parentPidEnv;
    this.cores = cores;
    this.parallel = parallel;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.parentPid = ProcessHandle.current().pid();
  }

  /** Cores per trial: the configured number, else the machine's divided by the trials running at once (at least one). */
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
    cmd.add(mainClass);
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
    return Map.of("OMP_NUM_THREADS", n, "MKL_NUM_THREADS", n, "OPENBLAS_NUM_THREADS", n, parentPidEnv, String.valueOf(parentPid));
  }

  @Override
  public boolean canResume() {
    return true;
  }

  @Override
  public String describe() {
    return parallel + " trial(s) at a time on this machine, " + cores + " core(s) each";
  }

  @Override
  public boolean isTrialProcess(ProcessHandle process) {
    return TrialLauncher.runs(process, mainClass);
  }
}
