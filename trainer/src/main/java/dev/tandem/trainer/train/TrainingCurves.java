package dev.tandem.trainer.train;

import dev.tandem.fs.Fs;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws the training curves of a run (loss and the validation metric per epoch) as a PNG, with XChart. */
public final class TrainingCurves {
  private TrainingCurves() {}

  public static byte[] png(String title, List<Map<String, Object>> metrics, String metric, List<Map<String, Object>> baselineMetrics) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart(title, metrics, metric, baselineMetrics), out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }

  /** The loss on the left axis, the validation metric (and the baseline's) on the right one: their scales differ. */
  static XYChart chart(String title, List<Map<String, Object>> metrics, String metric, List<Map<String, Object>> baselineMetrics) {
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("epoch").yAxisTitle("training loss").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    List<Double> epochs = new ArrayList<>();
    List<Double> loss = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (Map<String, Object> m : metrics) {
      epochs.add(((Number) m.get("epoch")).doubleValue());
      loss.add(num(m.get("train_loss")));
      val.add(num(m.get("val_" + metric)));
    }
    if (epochs.isEmpty()) {
      epochs.add(0.0);
      loss.add(0.0);
      val.add(0.0);
    }
    XYSeries l = chart.addSeries("train loss", epochs, loss);
    l.setMarker(SeriesMarkers.CIRCLE);
    XYSeries v = chart.addSeries("validation " + metric, epochs, val);
    v.setMarker(SeriesMarkers.DIAMOND);
    v.setYAxisGroup(1);
    chart.setYAxisGroupTitle(1, "validation " + metric);
    chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
    if (baselineMetrics != null && !baselineMetrics.isEmpty()) {
      Object b = baselineMetrics.get(baselineMetrics.size() - 1).get("val_" + metric);
      if (b instanceof Number n) {
        List<Double> flat = new ArrayList<>();
        for (int i = 0; i < epochs.size(); i++) {
          flat.add(n.doubleValue());
        }
        XYSeries bs = chart.addSeries("baseline " + metric, epochs, flat);
        bs.setMarker(SeriesMarkers.NONE);
        bs.setYAxisGroup(1);
      }
    }
    return chart;
  }

  public static void write(Path target, String title, List<Map<String, Object>> metrics, String metric, List<Map<String, Object>> baseline)
      throws IOException {
    Fs.writeAtomically(target, png(title, metrics, metric, baseline));
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
