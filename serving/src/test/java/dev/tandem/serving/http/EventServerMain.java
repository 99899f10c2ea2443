package dev.tandem.serving.http;

import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.EventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A server in a JVM of its own, for tests that kill it: {@code REGISTRY NAME LOG_DIR PORT_FILE}. Serves NAME@v1 on
 * 127.0.0.1 with its events log in LOG_DIR (replayed first), writes its port to PORT_FILE, and runs until killed.
 */
public final class EventServerMain {
  private EventServerMain() {}

  public static void main(String[] args) throws Exception {
    ServingBundle bundle = ServingBundle.load(dev.tandem.serving.registry.FsModelRegistry.at(args[0]), args[1], "v1");
    BundleRecommender rec = new BundleRecommender(bundle);
    EventLog log = rec.history().useLog(Fs.path(args[2]));
    RecommendServer server = RecommendServer.start(rec, "127.0.0.1", 0, 4);
    Path port = Path.of(args[3]);
    Path tmp = port.resolveSibling(port.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, port, StandardCopyOption.ATOMIC_MOVE);
    Thread.sleep(Long.MAX_VALUE);
    server.close();
    log.close();
  }
}
