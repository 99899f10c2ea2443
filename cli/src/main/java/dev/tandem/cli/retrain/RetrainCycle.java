package dev.tandem.cli.retrain;

import dev.tandem.trainer.eval.Bootstrap;
import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One resumable, idempotent retraining cycle at time T, persisted step by step under {@code STATE/cycles/<T>/}:
 * drift ({@code drift.json}, {@code drift.html}), the challenger (a run under {@code STATE/models/}, resumed if it was
 * interrupted), the decision ({@code decision.json}), and last the champion ({@code STATE/champion.json}, whose
 * history is the log of every decision). A cycle killed at any step continues where it stopped when run again; a
 * cycle that finished is not run again (its decision is returned).
 */
public final class RetrainCycle {
  private static final Logger LOG = LogManager.getLogger(RetrainCycle.class);
  public static final String CHAMPION = "champion.json";

  private RetrainCycle() {}

  /**
   * {@code champion.json}: the model serving now, and every decision that led here.
   *
   * @param model        the champion's model id
   * @param trainEnd     its training cut-off (epoch seconds)
   * @param atPromotion  its gate metric on the window where it was promoted
   * @param history      one entry per cycle, oldest first
   */
  public record Champion(int format, String model, long trainEnd, double atPromotion, List<Entry> history) {
    public static final int FORMAT = 1;

    /** A decision in the log: the cycle, what was decided, the serving model after it, the evidence's file. */
    public record Entry(String cycle, String decision, String serving, String challenger, Bootstrap.Interval difference, String drift,
        List<String> reasons, String evidence) {}
  }

  /** What a cycle did: its decision, and whether it ran now (false: it had finished before). */
  public record Outcome(Decision decision, boolean ranNow, Path dir) {}

  public static Path cycleDir(Workspace ws, long t) {
    return new Path(new Path(ws.root(), "cycles"), Workspace.stamp(t));
  }

  /** Reads {@code champion.json}, or null when the loop has no champion yet. */
  public static Champion champion(Workspace ws) {
    Path f = new Path(ws.root(), CHAMPION);
    try {
      return Fs.exists(f) ? Persisted.read(Fs.readAll(f), Champion.class, Champion.FORMAT, f.toString()) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  /** Runs (or continues, or returns) the cycle ending at {@code t}. */
  public static Outcome run(Workspace ws, long t) {
    Path dir = cycleDir(ws, t);
    Path decisionFile = new Path(dir, Decision.FILE);
    try {
      if (Fs.exists(decisionFile)) {
        Decision d = Persisted.read(Fs.readAll(decisionFile), Decision.class, Decision.FORMAT, decisionFile.toString());
        apply(ws, t, d, decisionFile); // a cycle killed after its decision and before the champion moved finishes here
        return new Outcome(d, false, dir);
      }
      Champion current = champion(ws);
      if (current != null && current.history().stream().anyMatch(e -> Workspace.iso(t).compareTo(e.cycle()) <= 0)) {
        throw new IllegalArgumentException("the loop in " + ws.root() + " has already decided a cycle at or after " + Workspace.iso(t)
            + ": cycles run forward in time");
      }
      Path driftFile = new Path(dir, DriftReport.FILE);
      DriftReport drift;
      if (Fs.exists(driftFile)) {
        drift = DriftReports.read(driftFile);
      } else {
        LOG.info("cycle {}: drift of the newest window", Workspace.iso(t));
        drift = ws.drift(t);
        DriftReports.write(drift, dir);
      }
      Workspace.Model challenger = ws.model(t - ws.window());
      Workspace.Model champion = current == null ? null : ws.model(current.trainEnd());
      if (champion != null && champion.id().equals(challenger.id())) {
        throw new IllegalArgumentException("the champion " + champion.id() + " was trained on the same events as this cycle's challenger:"
            + " run cycles at least one window (" + ws.config().window().every() + ") apart");
      }
      Decision d = Gate.decide(ws, t, champion, current == null ? null : current.atPromotion(), challenger, drift);
      Fs.writeAtomically(decisionFile, Persisted.write(d, Decision.FORMAT));
      apply(ws, t, d, decisionFile);
      return new Outcome(d, true, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cycle's files under " + dir, e);
    }
  }

  /**
   * Moves the registry alias (when the config names one) and the champion as the decision says and logs the decision,
   * unless that was done already.
   */
  private static void apply(Workspace ws, long t, Decision d, Path evidence) throws IOException {
    RetrainConfig.Registry target = ws.registry();
    if (target != null) {
      RegistrySync.apply(ws, target, d, ws.model(t - ws.window()));
    }
    Champion c = champion(ws);
    if (c != null && c.history().stream().anyMatch(e -> e.cycle().equals(d.cycle()))) {
      return;
    }
    List<Champion.Entry> history = new ArrayList<>(c == null ? List.of() : c.history());
    history.add(new Champion.Entry(d.cycle(), d.decision(), d.serving(), d.challenger(), d.difference(), d.drift().status().key(), d.reasons(),
        evidence.toString()));
    Champion next;
    if (d.promoted() || d.decision().equals("initial")) {
      String metric = ws.config().gate().metric();
      next = new Champion(Champion.FORMAT, d.challenger(), t - ws.window(), d.challengerMetrics().getOrDefault(metric, Double.NaN),
          List.copyOf(history));
    } else {
      next = new Champion(Champion.FORMAT, c.model(), c.trainEnd(), c.atPromotion(), List.copyOf(history));
    }
    Fs.writeAtomically(new Path(ws.root(), CHAMPION), Persisted.write(next, Champion.FORMAT));
  }
}
