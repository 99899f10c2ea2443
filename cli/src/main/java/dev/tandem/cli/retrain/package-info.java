/**
 * The retraining loop's pieces that need every module: drift reports written as JSON and self-contained HTML, the
 * retrain cycle (window, prepare, train a challenger, evaluate it beside the champion on the newest window, gate,
 * promote or keep), and the backtest that replays a log as a sequence of cycles under three policies.
 *
 * <p>Must not import: {@code dev.tandem.cli}.
 */
package dev.tandem.cli.retrain;
