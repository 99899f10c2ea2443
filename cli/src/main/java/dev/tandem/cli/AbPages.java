package dev.tandem.cli;

import dev.tandem.serving.experiment.AbReport;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.StringEscapeUtils;

/** The A/B report as a text table and as a self-contained HTML page (inline CSS and SVG, nothing fetched). */
final class AbPages {
  private AbPages() {}

  static void table(AbReport.Report r, PrintWriter out) {
    out.printf("experiment %s: challenger share %.3g, %s to %s, %d%% intervals%n", r.experiment(), r.share(), Instant.ofEpochMilli(r.firstMs()),
        Instant.ofEpochMilli(r.lastMs()), Math.round(100 * r.confidence()));
    Tables arms = new Tables("arm", "versions", "users", "impressions", "event", "events", "rate", "interval", "value/impr.", "interval");
    for (AbReport.ArmResult a : r.arms()) {
      boolean firstRow = true;
      for (Map.Entry<String, AbReport.Rate> e : a.rates().entrySet()) {
        AbReport.Rate x = e.getValue();
        arms.row(firstRow ? a.arm() : "", firstRow ? String.join(", ", a.versions().keySet()) : "", firstRow ? a.users() : "",
            firstRow ? a.impressions() : "", e.getKey(), x.events(), x.rate(), interval(x.low(), x.high()), x.value(),
            interval(x.valueLow(), x.valueHigh()));
        firstRow = false;
      }
      if (firstRow) {
        arms.row(a.arm(), String.join(", ", a.versions().keySet()), a.users(), a.impressions(), "-", "", "", "", "", "");
      }
    }
    arms.print(out);
    out.println();
    Tables diffs = new Tables("event", "challenger - control", "interval", "relative", "p-value", "significant", "value diff.", "interval",
        "p-value");
    for (AbReport.Difference d : r.differences()) {
      diffs.row(d.event(), d.difference(), interval(d.low(), d.high()), pct(d.relative()), p(d.pValue()), d.significant() ? "yes" : "no",
          d.valueDifference(), interval(d.valueLow(), d.valueHigh()), p(d.valuePValue()));
    }
    diffs.print(out);
    AbReport.Srm s = r.srm();
    out.printf("%nsample ratio: %,d control / %,d challenger users, %.2f%% in the challenger (configured %.2f%%): chi-square %.2f, p = %s -> %s%n",
        s.controlUsers(), s.challengerUsers(), 100 * s.observedShare(), 100 * s.expectedShare(), s.chiSquare(), p(s.pValue()),
        s.mismatch() ? "MISMATCH (p < " + AbReport.SRM_ALPHA + ")" : "ok");
    AbReport.Counts c = r.counts();
    out.printf("read: %,d impressions, %,d feedback rows (%,d for an unknown request id, %,d for an item not shown: left out),"
        + " %,d impressions outside the arms, %,d torn last lines%n", c.impressions(), c.feedback(), c.feedbackUnknownRequest(),
        c.feedbackItemNotShown(), c.impressionsOutsideArms(), c.tornLines());
    for (String w : r.warnings()) {
      out.println("warning: " + w);
    }
    out.println("note on peeking: " + r.peeking());
    out.flush();
  }

  private static String interval(double lo, double hi) {
    return Double.isNaN(lo) ? "-" : "[" + Tables.format(lo) + ", " + Tables.format(hi) + "]";
  }

  private static String pct(double x) {
    return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * x);
  }

  private static String p(double x) {
    return Double.isNaN(x) ? "-" : x < 1e-4 ? String.format(Locale.ROOT, "%.1e", x) : String.format(Locale.ROOT, "%.4f", x);
  }

  private static String esc(Object s) {
    return StringEscapeUtils.escapeHtml4(String.valueOf(s));
  }

  static String html(AbReport.Report r) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>A/B ").append(esc(r.experiment())).append("</title>\n<style>\n")
        .append("body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;background:#fff;max-width:1100px}\n")
        .append("h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}\n")
        .append(".meta{color:#57606a}table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}\n")
        .append("th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}.yes{color:#1a7f37;font-weight:600}\n")
        .append(".warn{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;margin:8px 0}.bad{background:#ffebe9;border-color:#cf222e}\n")
        .append(".ok{color:#1a7f37}.note{color:#57606a;font-size:13px}\n</style></head><body>\n");
    h.append("<h1>A/B experiment ").append(esc(r.experiment())).append("</h1>\n<p class=\"meta\">challenger share ").append(esc(r.share()))
        .append(" · ").append(esc(Instant.ofEpochMilli(r.firstMs()))).append(" to ").append(esc(Instant.ofEpochMilli(r.lastMs())))
        .append(" · ").append(Math.round(100 * r.confidence())).append("% intervals (delta method over users)<br>impressions ")
        .append(esc(r.impressions())).append("<br>feedback ").append(esc(r.feedback())).append("</p>\n");
    for (String w : r.warnings()) {
      h.append("<div class=\"warn").append(w.startsWith("sample ratio") ? " bad" : "").append("\">").append(esc(w)).append("</div>\n");
    }
    AbReport.Srm s = r.srm();
    h.append("<h2>Sample ratio</h2>\n<p>").append(String.format(Locale.ROOT, "%,d control / %,d challenger users: %.2f%% in the challenger,"
        + " %.2f%% configured; chi-square %.2f, p = %s", s.controlUsers(), s.challengerUsers(), 100 * s.observedShare(), 100 * s.expectedShare(),
        s.chiSquare(), p(s.pValue()))).append(" — ").append(s.mismatch() ? "<b style=\"color:#cf222e\">mismatch</b>" : "<span class=\"ok\">ok</span>")
        .append("</p>\n");
    h.append("<h2>Arms</h2>\n<table><thead><tr><th>arm</th><th>versions</th><th>users</th><th>impressions</th><th>event</th><th>events</th>")
        .append("<th>rate / impression</th><th>interval</th><th>value / impression</th><th>interval</th></tr></thead><tbody>\n");
    for (AbReport.ArmResult a : r.arms()) {
      for (Map.Entry<String, AbReport.Rate> e : a.rates().entrySet()) {
        AbReport.Rate x = e.getValue();
        h.append("<tr><td>").append(esc(a.arm())).append("</td><td>").append(esc(a.versions())).append("</td><td class=\"num\">")
            .append(a.users()).append("</td><td class=\"num\">").append(a.impressions()).append("</td><td>").append(esc(e.getKey()))
            .append("</td><td class=\"num\">").append(x.events()).append("</td><td class=\"num\">").append(Tables.format(x.rate()))
            .append("</td><td class=\"num\">").append(interval(x.low(), x.high())).append("</td><td class=\"num\">")
            .append(Tables.format(x.value())).append("</td><td class=\"num\">").append(interval(x.valueLow(), x.valueHigh())).append("</td></tr>\n");
      }
    }
    h.append("</tbody></table>\n<h2>Challenger − control</h2>\n");
    h.append(svg(r));
    h.append("<table><thead><tr><th>event</th><th>difference</th><th>interval</th><th>relative</th><th>p-value</th><th>significant</th>")
        .append("<th>value difference</th><th>interval</th><th>p-value</th></tr></thead><tbody>\n");
    for (AbReport.Difference d : r.differences()) {
      h.append("<tr><td>").append(esc(d.event())).append("</td><td class=\"num\">").append(Tables.format(d.difference()))
          .append("</td><td class=\"num\">").append(interval(d.low(), d.high())).append("</td><td class=\"num\">").append(pct(d.relative()))
          .append("</td><td class=\"num\">").append(p(d.pValue())).append("</td><td class=\"").append(d.significant() ? "yes" : "")
          .append("\">").append(d.significant() ? "yes" : "no").append("</td><td class=\"num\">").append(Tables.format(d.valueDifference()))
          .append("</td><td class=\"num\">").append(interval(d.valueLow(), d.valueHigh())).append("</td><td class=\"num\">")
          .append(p(d.valuePValue())).append("</td></tr>\n");
    }
    AbReport.Counts c = r.counts();
    h.append("</tbody></table>\n<h2>What was read</h2>\n<p>").append(String.format(Locale.ROOT, "%,d impressions; %,d feedback rows, of which %,d"
        + " name a request id in no impression and %,d an item the impression did not show (both left out); %,d impressions outside the"
        + " arms; %,d users in both arms; %,d torn last lines.", c.impressions(), c.feedback(), c.feedbackUnknownRequest(),
        c.feedbackItemNotShown(), c.impressionsOutsideArms(), c.usersInBothArms(), c.tornLines())).append("</p>\n");
    h.append("<h2>A note on peeking</h2>\n<p class=\"note\">").append(esc(r.peeking())).append("</p>\n</body></html>\n");
    return h.toString();
  }

  /** Each event's relative difference and interval on one axis around zero. */
  private static String svg(AbReport.Report r) {
    int rows = r.differences().size();
    if (rows == 0) {
      return "";
    }
    double m = 1e-9; // the widest relative interval: the axis's half width
    for (AbReport.Difference d : r.differences()) {
      double scale = Double.isNaN(d.relative()) || d.difference() == 0 ? 0 : d.relative() / d.difference(); // 1 / control's rate
      m = Math.max(m, Math.max(Math.abs(d.low() * scale), Math.abs(d.high() * scale)));
    }
    int w = 640;
    int left = 110;
    int plot = w - left - 30;
    StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + (40 + 30 * rows)
        + "\" font-size=\"12\" font-family=\"sans-serif\">\n");
    double zero = left + plot / 2.0;
    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#57606a\" stroke-dasharray=\"3,3\"/>%n", zero, zero,
        20 + 30 * rows));
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">0</text>", zero, 34 + 30 * rows));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%+.0f%%</text>", left, 34 + 30 * rows, -100 * m));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%+.0f%%</text>%n", left + plot, 34 + 30 * rows, 100 * m));
    int i = 0;
    for (AbReport.Difference d : r.differences()) {
      double scale = Double.isNaN(d.relative()) || d.difference() == 0 ? 0 : d.relative() / d.difference();
      double y = 25 + 30 * i++;
      double x0 = zero + plot / 2.0 * d.low() * scale / m;
      double x1 = zero + plot / 2.0 * d.high() * scale / m;
      double xc = zero + plot / 2.0 * d.relative() / m;
      String colour = d.significant() ? (d.difference() > 0 ? "#1a7f37" : "#cf222e") : "#57606a";
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", left - 8, y + 4, esc(d.event())));
      if (!Double.isNaN(xc)) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
            + "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>%n", x0, y, x1, y, colour, xc, y, colour));
      }
    }
    return s.append("</svg>\n<p class=\"note\">relative difference (challenger / control − 1) with its interval; green or red: significant</p>\n")
        .toString();
  }
}
