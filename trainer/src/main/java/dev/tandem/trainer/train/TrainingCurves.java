package dev.tandem.trainer.train;

import dev.tandem.fs.Fs;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.Metric;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws the training curves of a run (loss and the validation metric per epoch) as a PNG, with XChart. */
public final class TrainingCurves {
  private TrainingCurves() {}

  /**
   * The chart as PNG bytes.
   *
   * @param baseline the baseline's epochs, whose last value of {@code metric} is drawn flat for comparison (null: none)
   */
  public static byte[] png(String title, List<EpochMetrics> epochs, Metric metric, List<EpochMetrics> baseline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart(title, epochs, metric, baseline), out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }

  /** The loss on the left axis, the validation metric (and the baseline's) on the right one: their scales differ. */
  static XYChart chart(String title, List<EpochMetrics> epochs, Metric metric, List<EpochMetrics> baseline) {
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("epoch").yAxisTitle("training loss").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    List<Double> x = new ArrayList<>();
    List<Double> loss = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (EpochMetrics e : epochs) {
      x.add((double) e.epoch());
      loss.add(e.trainLoss());
      val.add(e.value(metric));
    }
    if (x.isEmpty()) {
      x.add(0.0);
      loss.add(0.0);
      val.add(0.0);
    }
    XYSeries lossSeries = chart.addSeries("train loss", x, loss);
    lossSeries.setMarker(SeriesMarkers.CIRCLE);
    XYSeries valSeries = chart.addSeries("validation " + metric.name(), x, val);
    valSeries.setMarker(SeriesMarkers.DIAMOND);
    valSeries.setYAxisGroup(1);
    chart.setYAxisGroupTitle(1, "validation " + metric.name());
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    if (baseline != null && !baseline.isEmpty()) {
      EpochMetrics last = baseline.get(baseline.size() - 1);
      if (last.validation().containsKey(metric.name())) {
        List<Double> flat = new ArrayList<>();
        for (int i = 0; i < x.size(); i++) {
          flat.add(last.value(metric));
        }
        XYSeries baselineSeries = chart.addSeries("baseline " + metric.name(), x, flat);
        baselineSeries.setMarker(SeriesMarkers.NONE);
        baselineSeries.setYAxisGroup(1);
      }
    }
    return chart;
  }

  /** Draws the chart into {@code target} (replaced atomically). */
  public static void write(Path target, String title, List<EpochMetrics> epochs, Metric metric, List<EpochMetrics> baseline)
      throws IOException {
    Fs.writeAtomically(target, png(title, epochs, metric, baseline));
  }
}
