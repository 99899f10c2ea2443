package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.JobConfig;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem quickstart}: the whole path on the embedded synthetic default. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Generate synthetic data, prepare it and inspect it, locally, with no set-up.")
final class QuickstartCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--work", description = "Working directory (default: $TANDEM_HOME or ./tandem-work).")
  String work;

  @Override
  public Integer call() throws Exception {
    String home = work != null ? work : Context.home();
    String dir = home + "/quickstart";
    PrintWriter out = spec.commandLine().getOut();
    String yaml;
    try (InputStream in = QuickstartCommand.class.getResourceAsStream("/quickstart.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    ConfigLoader.Loaded<JobConfig> job = ConfigLoader.parse(yaml, "quickstart.yaml", home, JobConfig.class, List.of());
    Fs.mkdirs(Fs.path(dir));
    Fs.writeString(Fs.path(dir + "/job.yaml"), yaml);
    out.println("== 1/3 synthetic data and preparation");
    out.flush();
    DatasetPreparer prep = new DatasetPreparer(job.value().dataset(), job.tree().get("dataset"), home, home + "/cache", Context.progress());
    PreparedDataset ds = prep.prepare(Fs.path(dir + "/dataset"), true);
    out.println("== 2/3 summary");
    DataCommand.printSummary(out, ds);
    out.println("== 3/3 feature profile");
    DataCommand.printProfile(out, ds, "train");
    out.printf("%njob config: %s/job.yaml%nprepared dataset: %s%n", dir, ds.dir());
    out.flush();
    return 0;
  }
}
