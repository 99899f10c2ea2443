package dev.tandem.cli;

import dev.tandem.ps.shard.ShardServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem ps}: one parameter-server shard of embedding tables, in the foreground. */
@Command(name = "ps", mixinStandardHelpOptions = true,
    description = "Run one parameter-server shard of embedding tables on Aeron UDP, in the foreground until stopped (SIGTERM, Ctrl-C)."
        + " Trainers list every shard's HOST:PORT in the same order; the first trainer to connect creates the tables, a table's capacity"
        + " applies to each shard.")
final class PsCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--port", required = true, description = "UDP port to listen on.")
  int port;
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on, reachable by the trainers (default: ${DEFAULT-VALUE}).")
  String host;
  @Option(names = "--aeron-dir", defaultValue = "/dev/shm", paramLabel = "DIR",
      description = "Where the shard's Aeron directory goes; it is deleted on stop (default: ${DEFAULT-VALUE}).")
  String aeronDir;
  @Option(names = "--term-buffer-mb", defaultValue = "4", paramLabel = "MB",
      description = "Term length of the reply publications, a power of two (default: ${DEFAULT-VALUE}; replies go in chunks of a term / 8).")
  int termBufferMb;
  @Option(names = "--report-every", defaultValue = "60", paramLabel = "SECONDS",
      description = "Print the shard's rows, requests and traffic this often; 0: never (default: ${DEFAULT-VALUE}).")
  long reportEvery;

  @Override
  public Integer call() throws Exception {
    if (termBufferMb < 1 || termBufferMb > 1024) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--term-buffer-mb: " + termBufferMb + " is not in 1..1024");
    }
    if (reportEvery < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--report-every: must be >= 0");
    }
    ShardServer.Context ctx = new ShardServer.Context().host(host).port(port).aeronDirectory(aeronDir).termBufferLength(termBufferMb << 20);
    try {
      ctx.conclude();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return ShardServer.serve(ctx, Duration.ofSeconds(reportEvery), spec.commandLine().getOut());
  }
}
