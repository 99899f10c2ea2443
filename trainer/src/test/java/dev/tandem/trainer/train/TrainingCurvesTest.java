package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.Metric;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/** curves.png: the loss on the left axis, the validation metric on its own axis on the right, not stacked on the left. */
class TrainingCurvesTest {
  private static final Metric RECALL = Metric.recall(10);

  private static EpochMetrics epoch(int e, double loss, double recall) {
    return new EpochMetrics(e, 10L * e, loss, Map.of(RECALL.name(), recall), 0.001, 1000, 1, false, Map.of());
  }

  private static List<EpochMetrics> history() {
    List<EpochMetrics> h = new ArrayList<>();
    for (int e = 1; e <= 6; e++) {
      h.add(epoch(e, 5.0 / e, 0.02 * e));
    }
    return h;
  }

  @Test
  void theMetricAxisIsOnTheRight() throws Exception {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = TrainingCurves.chart("tt", history(), RECALL, List.of(epoch(6, 1, 0.05)));
    assertThat(chart.getStyler().getYAxisGroupPosistion(0)).isNotEqualTo(Styler.YAxisPosition.Right);
    assertThat(chart.getStyler().getYAxisGroupPosistion(1)).isEqualTo(Styler.YAxisPosition.Right);

    // and it is drawn there: tick labels (dark text) right of the plot area, where nothing is drawn with one left axis
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(TrainingCurves.png("tt", history(), RECALL, null)));
    assertThat(darkPixels(img, img.getWidth() - 60, img.getWidth() - 5, img.getHeight() / 4, img.getHeight() * 3 / 4)).isGreaterThan(50);
  }

  private static int darkPixels(BufferedImage img, int x0, int x1, int y0, int y1) {
    int n = 0;
    for (int x = x0; x < x1; x++) {
      for (int y = y0; y < y1; y++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (r + g + b < 200) {
          n++;
        }
      }
    }
    return n;
  }
}
