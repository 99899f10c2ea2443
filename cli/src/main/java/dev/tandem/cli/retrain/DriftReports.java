package dev.tandem.cli.retrain;

import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.datasets.drift.DriftStatus;
import dev.tandem.datasets.drift.FeatureDrift;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Writes a {@link DriftReport} as {@code drift.json} and {@code drift.html} (histograms embedded as PNG). */
public final class DriftReports {
  public static final String HTML = "drift.html";

  private DriftReports() {}

  /** Writes both files into {@code dir} (each atomically) and returns the HTML's path. */
  public static Path write(DriftReport r, Path dir) throws IOException {
    Fs.mkdirs(dir);
    Fs.writeAtomically(new Path(dir, DriftReport.FILE), Persisted.write(r, DriftReport.FORMAT));
    Path html = new Path(dir, HTML);
    Fs.writeAtomically(html, html(r).getBytes(StandardCharsets.UTF_8));
    return html;
  }

  /** Reads a {@code drift.json}. */
  public static DriftReport read(Path file) throws IOException {
    return Persisted.read(Fs.readAll(file), DriftReport.class, DriftReport.FORMAT, file.toString());
  }

  static String html(DriftReport r) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>drift: ").append(esc(r.current())).append("</title>\n")
        .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
            + "text-align:right}td:first-child{text-align:left}.alert{background:#f8c0c0}.warn{background:#fbe7a8}.ok{background:#d6f0d0}"
            + ".plots img{margin:4px}</style></head><body>\n");
    h.append("<h1>Drift: <span class=\"").append(r.status().key()).append("\">").append(r.status().key().toUpperCase(Locale.ROOT))
        .append("</span></h1>\n<p>reference: ").append(esc(r.reference())).append(" (").append(String.format(Locale.ROOT, "%,.0f",
            r.events().reference())).append(" events)<br>current: ").append(esc(r.current())).append(" (")
        .append(String.format(Locale.ROOT, "%,.0f", r.events().current())).append(" events)<br>label rate: ")
        .append(String.format(Locale.ROOT, "%.4f &rarr; %.4f (%s)", r.labelRate().reference(), r.labelRate().current(),
            r.labelRate().status().key())).append("<br>features alerting: ")
        .append(String.format(Locale.ROOT, "%.0f%% (dataset alert at %.0f%%)", 100 * r.driftedShare(), 100 * r.thresholds().driftShare()))
        .append("</p>\n<ul>");
    for (String reason : r.reasons()) {
      h.append("<li>").append(esc(reason)).append("</li>");
    }
    h.append("</ul>\n<p>thresholds: psi warn ").append(r.thresholds().psi().warn()).append(" / alert ").append(r.thresholds().psi().alert())
        .append(", jensen-shannon ").append(r.thresholds().jensenShannon().warn()).append(" / ").append(r.thresholds().jensenShannon().alert())
        .append(", oov rise ").append(r.thresholds().oovRate().warn()).append(" / ").append(r.thresholds().oovRate().alert())
        .append(", label rate change ").append(r.thresholds().labelRate().warn()).append(" / ").append(r.thresholds().labelRate().alert())
        .append("</p>\n<table><tr><th>feature</th><th>kind</th><th>status</th><th>psi</th><th>jensen-shannon</th><th>ks</th><th>ks p</th>"
            + "<th>oov ref</th><th>oov cur</th><th>why</th></tr>\n");
    List<FeatureDrift> all = new ArrayList<>(r.features());
    if (r.prediction() != null) {
      all.add(r.prediction());
    }
    for (FeatureDrift f : all) {
      h.append("<tr class=\"").append(f.status().key()).append("\"><td>").append(esc(f.name())).append("</td><td>").append(f.kind())
          .append("</td><td>").append(f.status().key()).append("</td><td>").append(num(f.psi())).append("</td><td>")
          .append(num(f.jensenShannon())).append("</td><td>").append(num(f.ks())).append("</td><td>").append(num(f.ksPValue()))
          .append("</td><td>").append(num(f.oovReference())).append("</td><td>").append(num(f.oovCurrent())).append("</td><td>")
          .append(esc(String.join("; ", f.reasons()))).append(f.note() == null ? "" : " <small>(" + esc(f.note()) + ")</small>")
          .append("</td></tr>\n");
    }
    h.append("</table>\n<h2>Reference against current, per feature</h2>\n<div class=\"plots\">\n");
    for (FeatureDrift f : all) {
      h.append("<img alt=\"").append(esc(f.name())).append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(histogram(f))).append("\">\n");
    }
    return h.append("</div>\n</body></html>\n").toString();
  }

  static byte[] histogram(FeatureDrift f) throws IOException {
    CategoryChart c = new CategoryChartBuilder().width(560).height(320)
        .title(String.format(Locale.ROOT, "%s: %s (psi %.3f)", f.name(), f.status().key(), f.psi())).xAxisTitle("").yAxisTitle("share")
        .build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setPlotBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    c.getStyler().setXAxisLabelRotation(45);
    c.getStyler().setSeriesColors(new Color[] {new Color(90, 120, 200), f.status() == DriftStatus.OK ? new Color(110, 180, 110)
        : f.status() == DriftStatus.WARN ? new Color(230, 170, 40) : new Color(210, 70, 70)});
    List<String> labels = new ArrayList<>();
    for (String l : f.bins()) {
      labels.add(l.length() > 18 ? l.substring(0, 17) + "…" : l);
    }
    c.addSeries("reference", labels, f.reference());
    c.addSeries("current", labels, f.current());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }

  private static String num(Double d) {
    return d == null || d.isNaN() ? "-" : d != 0 && Math.abs(d) < 0.001 ? String.format(Locale.ROOT, "%.2g", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }

  static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
