/**
 * One JVM's part in the gradient-sharing network, whatever runs the training: cluster-config files
 * ({@link dev.tandem.ps.ClusterConfig}), DL4J's gradient-sharing configuration ({@link dev.tandem.ps.GradientSharing}),
 * the Aeron set-up and start-up checks of a node ({@link dev.tandem.ps.AeronNode}, {@link dev.tandem.ps.NodePorts},
 * {@link dev.tandem.ps.StartupException}), Tandem's verified access to DL4J 1.0.0-M2's private state
 * ({@link dev.tandem.ps.Dl4jInternals}: the only class that reflects into DL4J), and gradient traffic: a meter per run
 * and JVM, the listener that feeds executors' meters, and the report ({@link dev.tandem.ps.TrafficMeter},
 * {@link dev.tandem.ps.TrafficRecorder}, {@link dev.tandem.ps.TrafficReport}).
 *
 * <p>Must not import {@code dev.tandem.ps.spark} (Spark training sits on top of this package), {@code dev.tandem.serving}
 * or {@code dev.tandem.cli}; of Spark it uses only {@code SparkEnv}, to know which JVM it runs in. DL4J's JVM-wide
 * singletons (the parameter server, the shared-training wrapper) are touched here and in
 * {@code dev.tandem.ps.spark.ExecutorSession} / {@code DriverSession} only.
 */
package dev.tandem.ps;
