/**
 * Training on Spark with DL4J's SharedTrainingMaster, and the spark-submit command that starts it.
 *
 * <p>Driver side: {@link dev.tandem.ps.spark.SparkTrainer} (the run; owns the {@code SparkContextHandle}, which stops
 * the context unless spark-submit owns it) runs the main model's epochs through {@code SparkEpochs}, the epoch loop. The
 * loop owns a {@code DriverSession} (training master, the driver's transport and the session's generation), the driver's
 * traffic meter and an executor-loss listener; {@code ClusterSignals} is the one thread-safe object that Spark's listener
 * and the {@code AttemptWatcher} report into and the loop reads.
 *
 * <p>Executor side (serialized to executors with each epoch's partition function): {@code ExecutorEpoch} runs
 * {@code ShardBatches} (a pure batch source over a worker's own train shards) inside the JVM's {@code ExecutorSession}
 * (join the session, sync parameters once per fit, accept updates, follow the schedule per batch). Executor-side classes
 * must not capture driver objects (the Spark context, the session, meters).
 *
 * <p>Submitting: {@link dev.tandem.ps.spark.SubmitPlan} builds the command; {@code SparkContexts} builds a context from
 * a cluster config. Must not import {@code dev.tandem.serving} or {@code dev.tandem.cli}.
 */
package dev.tandem.ps.spark;
