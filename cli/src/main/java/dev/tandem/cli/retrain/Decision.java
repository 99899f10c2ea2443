package dev.tandem.cli.retrain;

import dev.tandem.trainer.eval.Bootstrap;
import dev.tandem.datasets.drift.DriftStatus;
import java.util.List;
import java.util.Map;

/**
 * One cycle's decision and its evidence ({@code cycles/<T>/decision.json}; the backtest keeps one per policy).
 *
 * @param format            layout version of this file
 * @param cycle             the cycle's time: the end of the newest window (ISO-8601, UTC)
 * @param windowFrom        start of the newest window, where champion and challenger were both evaluated
 * @param events            events in the window
 * @param users             users in the window
 * @param champion          the champion's model id (null on the first cycle, which has none)
 * @param challenger        the challenger's model id
 * @param championMetrics   auc, logloss, expected calibration error of the champion on the window
 * @param challengerMetrics the same for the challenger
 * @param difference        challenger minus champion on the gate's metric, with its paired bootstrap interval
 * @param concept           concept drift: the champion's metric now (with its interval) against its metric when it was
 *                          promoted; {@code alert} when that is outside the interval
 * @param drift             the data drift verdict of the window against the one before, and why
 * @param prediction        the champion's score drift (psi) and its verdict
 * @param latencyMs         the challenger's p50 and p99 time to score one request
 * @param guardrails        each guardrail: its name, whether it passed, and the numbers
 * @param decision          promote, keep or initial
 * @param reasons           why
 * @param serving           the model serving after the decision
 */
public record Decision(int format, String cycle, String windowFrom, int events, int users, String champion, String challenger,
    Map<String, Double> championMetrics, Map<String, Double> challengerMetrics, Bootstrap.Interval difference, Concept concept,
    DriftVerdict drift, DriftVerdict prediction, double[] latencyMs, List<Guardrail> guardrails, String decision, List<String> reasons,
    String serving) {
  public static final int FORMAT = 1;
  public static final String FILE = "decision.json";

  /** Concept drift of the champion. */
  public record Concept(double atPromotion, Bootstrap.Interval now, DriftStatus status) {}

  /** A drift verdict and why. */
  public record DriftVerdict(DriftStatus status, Double psi, List<String> reasons) {}

  /** One guardrail. */
  public record Guardrail(String name, boolean passed, String detail) {}

  public boolean promoted() {
    return decision.equals("promote");
  }
}
