package dev.tandem.cli;

import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.http.RecommendServer;
import dev.tandem.serving.registry.ModelRef;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem serve}: the HTTP endpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a registry version over HTTP: GET /recommend?user=ID&k=10, GET /health, GET /metrics (Prometheus). Runs until stopped.")
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--model", required = true, paramLabel = "REF", description = "REGISTRY/NAME@REF, e.g. /models/recs@production.")
  String model;
  @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}, loopback only).")
  String host;
  @Option(names = "--threads", description = "Request threads (default: 2 x cores).")
  Integer threads;
  @Option(names = "--rules", paramLabel = "FILE", description = "A serving configuration overriding the one shipped with the version.")
  String rules;

  @Override
  public Integer call() throws Exception {
    ModelRef ref = ModelRef.parse(model, null).orElse("production");
    ServingBundle bundle = ServingBundle.load(ref);
    BundleRecommender rec = rules == null ? new BundleRecommender(bundle) : new BundleRecommender(bundle, ServingConfig.load(rules));
    RecommendServer server = RecommendServer.start(rec, host, port, threads != null ? threads : 2 * Runtime.getRuntime().availableProcessors());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      rec.close();
      stopped.countDown();
    }, "tandem-serve-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("serving %s v%d (%s, %,d items) on %s%n  GET %s/recommend?user=ID&k=10%n  GET %s/health%n  GET %s/metrics%n"
        + "stop with Ctrl-C%n", bundle.name(), bundle.version(), ref.ref(), bundle.items().size(), server.uri(), server.uri(), server.uri(),
        server.uri());
    out.flush();
    stopped.await();
    return 0;
  }
}
