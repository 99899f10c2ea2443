package dev.tandem.serving.http;

import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.registry.FsModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An experiment server in a JVM of its own, for a test that kills it: {@code REGISTRY NAME LOG_DIR BATCH PORT_FILE}.
 * Serves NAME@v1 as both arms (share 0.5) with its impressions in LOG_DIR/impressions, synced in batches of BATCH (and
 * never by the clock), writes its port to PORT_FILE, and runs until killed.
 */
public final class ImpressionServerMain {
  private ImpressionServerMain() {}

  public static void main(String[] args) throws Exception {
    FsModelRegistry registry = FsModelRegistry.at(args[0]);
    ExperimentRecommender exp = new ExperimentRecommender("crash", 0.5, Assignment.salted("crash", 0.5),
        new BundleRecommender(ServingBundle.load(registry, args[1], "v1")), new BundleRecommender(ServingBundle.load(registry, args[1], "v1")));
    ServingConfig.Impressions cfg = new ServingConfig.Impressions(Integer.parseInt(args[3]), 3_600_000, null, null, null, null);
    Tracking tracking = Tracking.open(Fs.path(args[2] + "/impressions"), Fs.path(args[2] + "/feedback"), cfg, "crash", 0.5);
    RecommendServer server = RecommendServer.start(exp, tracking, "127.0.0.1", 0, RecommendServer.Settings.defaults(4));
    Path port = Path.of(args[4]);
    Path tmp = port.resolveSibling(port.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, port, StandardCopyOption.ATOMIC_MOVE);
    Thread.sleep(Long.MAX_VALUE);
    server.close();
    tracking.close();
  }
}
