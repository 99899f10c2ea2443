package dev.tandem.cli.retrain;

import dev.tandem.trainer.eval.Bootstrap;
import dev.tandem.datasets.drift.DriftAnalysis;
import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.datasets.drift.DriftStatus;
import dev.tandem.datasets.drift.FeatureDrift;
import dev.tandem.trainer.eval.RankingMetrics;
import dev.tandem.trainer.metrics.Scores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluates a champion and a challenger on the same newest window and decides: promote the challenger only when it
 * beats the champion by more than the margin at the lower end of the paired bootstrap interval and passes every
 * guardrail (calibration, no headline metric worse beyond the tolerance, serving latency); otherwise keep the champion.
 */
public final class Gate {
  private Gate() {}

  /**
   * @param champion            the champion (null on a first cycle: the challenger is then promoted as the initial model)
   * @param championAtPromotion the champion's gate metric when it was promoted (null: unknown, no concept-drift check)
   */
  public static Decision decide(Workspace ws, long t, Workspace.Model champion, Double championAtPromotion, Workspace.Model challenger,
      DriftReport drift) {
    RetrainConfig.Gate g = ws.config().gate();
    long w = ws.window();
    WindowScores chal = ws.scores(challenger, t - w, t);
    int users = (int) java.util.Arrays.stream(chal.users()).distinct().count();
    Map<String, Double> chalMetrics = metrics(chal);
    double[] latency = ws.latency(challenger, t - w, t, g.candidates(), 200);
    Decision.DriftVerdict data = new Decision.DriftVerdict(drift.status(), null, drift.reasons());
    if (champion == null) {
      return new Decision(Decision.FORMAT, Workspace.iso(t), Workspace.iso(t - w), chal.size(), users, null, challenger.id(), null, chalMetrics,
          null, null, data, null, latency, List.of(), "initial", List.of("no champion yet: the first model is promoted"), challenger.id());
    }
    WindowScores champ = ws.scores(champion, t - w, t);
    champ.requireSameEvents(chal);
    if (chal.size() == 0) {
      return new Decision(Decision.FORMAT, Workspace.iso(t), Workspace.iso(t - w), 0, 0, champion.id(), challenger.id(), null, chalMetrics,
          null, null, data, null, latency, List.of(), "keep", List.of("the window has no events to compare on"), champion.id());
    }
    Map<String, Double> champMetrics = metrics(champ);
    int[] clusters = chal.clusters(g.unit());
    long seed = t;
    Bootstrap.Interval diff = Bootstrap.paired(g.metric(), champ.p(), chal.p(), chal.label(), clusters, g.bootstrap(), g.confidence(), seed);
    // concept drift: has the champion's own metric dropped beyond what resampling the window explains?
    Decision.Concept concept = null;
    if (championAtPromotion != null) {
      Bootstrap.Interval now = Bootstrap.single(g.metric(), champ.p(), champ.label(), clusters, g.bootstrap(), g.confidence(), seed + 1);
      boolean worse = g.maximised() ? championAtPromotion > now.hi() : championAtPromotion < now.lo();
      concept = new Decision.Concept(championAtPromotion, now, worse ? DriftStatus.ALERT : DriftStatus.OK);
    }
    Decision.DriftVerdict prediction = null;
    if (champion.trainEnd() <= t - 2 * w) {
      WindowScores before = ws.scores(champion, t - 2 * w, t - w);
      if (before.size() > 0) {
        FeatureDrift pd = DriftAnalysis.scores(toDouble(before.p()), toDouble(champ.p()), ws.config().drift());
        prediction = new Decision.DriftVerdict(pd.status(), pd.psi(), pd.reasons());
      }
    }
    List<Decision.Guardrail> guards = new ArrayList<>();
    double ece = chalMetrics.get("expected_calibration_error");
    guards.add(new Decision.Guardrail("calibration", ece <= g.maxCalibrationError(),
        String.format(Locale.ROOT, "expected calibration error %.4f (max %s)", ece, g.maxCalibrationError())));
    double aucDrop = champMetrics.get("auc") - chalMetrics.get("auc");
    guards.add(new Decision.Guardrail("auc", !(aucDrop > g.tolerance()),
        String.format(Locale.ROOT, "auc %.4f vs champion %.4f (tolerance %s)", chalMetrics.get("auc"), champMetrics.get("auc"), g.tolerance())));
    double llRise = chalMetrics.get("logloss") - champMetrics.get("logloss");
    guards.add(new Decision.Guardrail("logloss", !(llRise > g.tolerance()), String.format(Locale.ROOT, "logloss %.4f vs champion %.4f"
        + " (tolerance %s)", chalMetrics.get("logloss"), champMetrics.get("logloss"), g.tolerance())));
    guards.add(new Decision.Guardrail("latency", latency[1] <= g.maxLatencyMs(), String.format(Locale.ROOT,
        "p99 %.2f ms to score %d candidates (max %s ms)", latency[1], g.candidates(), g.maxLatencyMs())));
    double better = g.maximised() ? diff.lo() : -diff.hi(); // the improvement at the pessimistic end of the interval
    List<String> reasons = new ArrayList<>();
    boolean beats = better > g.margin();
    reasons.add(String.format(Locale.ROOT, "%s: challenger %s champion by %+.4f, %.0f%% interval [%+.4f, %+.4f] over %s; %s the margin %s",
        g.metric(), beats ? "beats" : "does not clearly beat", diff.estimate(), 100 * g.confidence(), diff.lo(), diff.hi(), g.unit(),
        beats ? "above" : "not above", g.margin()));
    boolean guarded = true;
    for (Decision.Guardrail gr : guards) {
      if (!gr.passed()) {
        guarded = false;
        reasons.add("guardrail " + gr.name() + " failed: " + gr.detail());
      }
    }
    boolean promote = beats && guarded;
    return new Decision(Decision.FORMAT, Workspace.iso(t), Workspace.iso(t - w), chal.size(), users, champion.id(), challenger.id(),
        champMetrics, chalMetrics, diff, concept, data, prediction, latency, List.copyOf(guards), promote ? "promote" : "keep",
        List.copyOf(reasons), promote ? challenger.id() : champion.id());
  }

  static Map<String, Double> metrics(WindowScores s) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (s.size() == 0) {
      return out;
    }
    Scores sc = RankingMetrics.evaluate(s.p(), s.label(), 10);
    for (String k : List.of("auc", "logloss", "expected_calibration_error", "positive_rate")) {
      out.put(k, sc.values().get(k));
    }
    return out;
  }

  static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
