package dev.tandem.trainer.tune.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.tune.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tandem} command lines of a sweep's trials: a new trial trains the base job with the sweep's fixed
 * overrides and its own sampled ones into its run directory; an interrupted trial resumes its run. A launcher turns
 * them into the command it runs.
 */
public final class TrialCommands {
  private final String basePath;
  private final List<String> fixed;
  private final TrialStore store;
  private final String cacheRoot;

  /**
   * @param basePath  the base job (absolute, or any Hadoop URI)
   * @param fixed     the sweep's {@code set:} overrides of every trial
   * @param store     the sweep directory, which holds the trials' runs
   * @param cacheRoot where trials cache prepared datasets
   */
  public TrialCommands(String basePath, Map<String, JsonNode> fixed, TrialStore store, String cacheRoot) {
    this.basePath = basePath;
    this.fixed = SearchSpace.overrides(fixed);
    this.store = store;
    this.cacheRoot = cacheRoot;
  }

  /** The {@code key=value} overrides of a trial's job: the sweep's fixed ones, then its sampled ones. */
  public List<String> overrides(TrialRecord t) {
    List<String> out = new ArrayList<>(fixed);
    out.addAll(SearchSpace.overrides(t.params()));
    return out;
  }

  /** The sweep's fixed overrides alone (what the base job is loaded with). */
  public List<String> fixedOverrides() {
    return fixed;
  }

  /** The arguments of {@code tandem} that train a new trial. */
  public List<String> train(TrialRecord t) {
    List<String> args = new ArrayList<>(List.of("train", "--config", basePath, "--run", store.trialRun(t.id()).toString(), "--cache",
        cacheRoot));
    for (String o : overrides(t)) {
      args.add("--set");
      args.add(o);
    }
    return args;
  }

  /** The arguments of {@code tandem} that continue a trial's run from its last checkpoint. */
  public List<String> resume(RunDirectory run) {
    return List.of("train", "--resume", run.root().toString(), "--cache", cacheRoot);
  }

  /** A command as one shell line, quoting the arguments that need it. */
  public static String shellQuote(List<String> cmd) {
    StringBuilder sb = new StringBuilder();
    for (String a : cmd) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }
}
