package dev.tandem.trainer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.EvaluationResult;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * A training run's directory, on any Hadoop file system:
 *
 * <pre>
 *   job.yaml        the resolved job (overrides included): what --resume reads
 *   run.json        status (running, finished, failed, interrupted), why it stopped, the error of a failed run,
 *                   dataset, best checkpoint, timings
 *   metrics.jsonl   one JSON object per finished epoch
 *   curves.png      training loss (left axis) and validation metric (right axis) per epoch
 *   checkpoints/    see FsCheckpointStore
 *   baseline/       the ranking baseline (logistic regression): its own checkpoints and metrics
 *   eval-test.json, eval-validation.json, eval-train.json   written by `tandem evaluate`, one per split
 *                   (runs of earlier versions have one eval.json, read for the split it names)
 *   refit/          with train.refit: the same job trained again on train + validation (see Refit), a run of its own
 * </pre>
 */
public final class RunDirectory {
  /** The version of the format of {@code run.json} and the {@code eval-*.json} files (see {@link Persisted}). */
  public static final int FORMAT = 1;
  /** {@code run.json} status while training runs (or when the process was killed with no chance to say so). */
  public static final String RUNNING = "running";
  /** {@code run.json} status once training ended by itself: all epochs, early stopping or the time limit. */
  public static final String FINISHED = "finished";
  /** {@code run.json} status after an error; {@code error} says which. */
  public static final String FAILED = "failed";
  /** {@code run.json} status after the process was asked to stop (Ctrl-C, SIGTERM) during training. */
  public static final String INTERRUPTED = "interrupted";
  private static final ObjectMapper JSON = Persisted.json();
  private final Path root;

  public RunDirectory(Path root) {
    this.root = root;
  }

  /** The run at a path or any Hadoop file-system URI (nothing is read or created). */
  public static RunDirectory at(String location) {
    return new RunDirectory(Fs.path(location));
  }

  /** The run's directory. */
  public Path root() {
    return root;
  }

  /** {@code job.yaml}: the resolved job, what {@code --resume} reads. */
  public Path job() {
    return new Path(root, "job.yaml");
  }

  /** {@code run.json}: status, stop reason, best checkpoint and its metrics, timings. */
  public Path info() {
    return new Path(root, "run.json");
  }

  /** {@code metrics.jsonl}: one line per finished epoch. */
  public Path metrics() {
    return new Path(root, "metrics.jsonl");
  }

  /** {@code curves.png}: loss and validation metric per epoch. */
  public Path curves() {
    return new Path(root, "curves.png");
  }

  /** {@code checkpoints/}: the run's checkpoint store. */
  public Path checkpoints() {
    return new Path(root, "checkpoints");
  }

  /** Where {@code tandem evaluate --split SPLIT} writes its result: one file per split. */
  public Path eval(SplitName split) {
    return new Path(root, "eval-" + split.key() + ".json");
  }

  /** The single evaluation file of runs evaluated before there was one per split; its {@code split} says which. */
  public Path legacyEval() {
    return new Path(root, "eval.json");
  }

  /**
   * The stored evaluation of a split, if any: {@code eval-SPLIT.json}, else an older run's {@code eval.json} when its
   * {@code split} field names this split.
   */
  public Optional<EvaluationResult> readEval(SplitName split) {
    try {
      if (Fs.exists(eval(split))) {
        return Optional.of(Persisted.read(Fs.readAll(eval(split)), EvaluationResult.class, FORMAT, eval(split).toString()));
      }
      if (Fs.exists(legacyEval())) {
        EvaluationResult old = Persisted.read(Fs.readAll(legacyEval()), EvaluationResult.class, FORMAT, legacyEval().toString());
        if (split.key().equals(old.split())) {
          return Optional.of(old);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the evaluation in " + root, e);
    }
    return Optional.empty();
  }

  /** The sub-run holding the baseline model. */
  public RunDirectory baseline() {
    return new RunDirectory(new Path(root, "baseline"));
  }

  /** Whether a run was started here (its {@code job.yaml} exists). */
  public boolean exists() {
    return Fs.exists(job());
  }

  /**
   * Run metadata.
   *
   * @param status     {@link #RUNNING}, {@link #FINISHED}, {@link #FAILED} or {@link #INTERRUPTED}
   * @param stopReason why training stopped: all epochs done, early stopping (metric and patience), the time limit,
   *                   the failure, or the interruption (null while running)
   * @param error      the error a failed run stopped with (null otherwise)
   * @param bestMetrics the best epoch's metrics (null until training has finished)
   */
  public record Info(String name, String model, String status, String created, String updated, String datasetPath,
      String datasetFingerprint, String codeVersion, String bestCheckpoint, EpochMetrics bestMetrics, String stopReason,
      double trainSeconds, int workers, String trainer, String error) {}

  /**
   * {@code run.json}.
   *
   * @throws IllegalArgumentException when there is no run here
   * @throws dev.tandem.fs.CorruptDataException naming the file when it does not read
   */
  public Info readInfo() {
    try {
      return Persisted.read(Fs.readAll(info()), Info.class, FORMAT, info().toString());
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException("no training run at " + root + " (run.json is missing)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + info(), e);
    }
  }

  /** Replaces {@code run.json} atomically; {@link UncheckedIOException} when it cannot be written. */
  public void writeInfo(Info info) {
    writeJson(info(), info);
  }

  /** The lines of {@code metrics.jsonl}, one per finished epoch (none before the first). */
  public List<EpochMetrics> readMetrics() {
    List<EpochMetrics> out = new ArrayList<>();
    if (!Fs.exists(metrics())) {
      return out;
    }
    try {
      for (String line : Fs.readString(metrics()).split("\n")) {
        if (!line.isBlank()) {
          out.add(JSON.readValue(line, EpochMetrics.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + metrics(), e);
    }
    return out;
  }

  /** Rewrites metrics.jsonl atomically with these entries (HDFS append is not to be relied on). */
  public void writeMetrics(List<EpochMetrics> entries) {
    StringBuilder sb = new StringBuilder();
    try {
      for (EpochMetrics e : entries) {
        sb.append(JSON.writeValueAsString(e)).append('\n');
      }
      Fs.writeAtomically(metrics(), sb.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + metrics(), e);
    }
  }

  /** Writes a JSON file of the run (an evaluation, a traffic report) atomically, with the run's format version. */
  public void writeJson(Path p, Object value) {
    try {
      Fs.writeAtomically(p, Persisted.write(value, FORMAT));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p, e);
    }
  }

  /** Writes a text file of the run (its {@code job.yaml}) atomically. */
  public void writeString(Path p, String s) {
    try {
      Fs.writeString(p, s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p, e);
    }
  }
}
