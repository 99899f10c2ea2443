package dev.tandem.ps;

import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.aeron.samples.CncFileReader;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.reactivestreams.Subscription;

/**
 * Gradient traffic of one JVM in one run: updates sent and received, the bytes Aeron actually put on and took off the
 * wire (its media driver's own counters), and how an executor's time splits between computing gradients and
 * updating/encoding/applying them. Snapshots go to {@code <dir>/<node>.json}, {@code dir} being the run's traffic
 * directory.
 *
 * <p>One meter per run and JVM, owned by whoever creates it: the driver's by the run's epoch runner
 * ({@link #openDriver}, closed by it), an executor's by the {@link TrafficRecorder} listener DL4J runs there
 * ({@link #forExecutor}, kept for the JVM's life: executors outlive runs). Meters of different runs in one JVM are
 * independent. In Spark local mode the driver is also the only executor: the recorder then feeds the driver's open
 * meter of its run.
 */
public final class TrafficMeter implements AutoCloseable {
  /** The version of a node's traffic file format (see {@link Persisted}). */
  public static final int FORMAT = 1;
  private static final Logger LOG = LogManager.getLogger(TrafficMeter.class);
  /** The meters of this JVM by run (traffic directory): each run's executor meter, or its driver's while open. */
  private static final ConcurrentHashMap<String, TrafficMeter> BY_RUN = new ConcurrentHashMap<>();
  /** The last write must happen before Hadoop's own shutdown hook closes the cached file systems. */
  private static final int HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 10;

  private final String node;
  private final String dir;
  private final long numParams;
  private final Runnable lastWrite = this::writeQuietly;
  private final AtomicLong updatesReceived = new AtomicLong();
  private final AtomicLong encodedBytesReceived = new AtomicLong();
  private Object subscribedTo;
  private final long[] bytesOffset = new long[2];
  private final long[] bytesLast = new long[2];
  private long iterations;
  private long computeNanos;
  private long encodeNanos;
  private long lastDone;
  private long gradientAt;
  private long firstIteration;
  private long lastWriteAt;
  private double lastScore = Double.NaN;
  private double scoreSum;
  private long scoreCount;
  private boolean closed;

  private TrafficMeter(String node, String dir, long numParams) {
    this.node = node;
    this.dir = dir;
    this.numParams = numParams;
  }

  private TrafficMeter writtenAtExit() {
    ShutdownHookManager.get().addShutdownHook(lastWrite, HOOK_PRIORITY);
    return this;
  }

  /**
   * Opens the driver's meter of a run. The caller owns it and closes it when the run ends (a last write); until then
   * a JVM exit writes it too.
   *
   * @param dir the run's traffic directory (any Hadoop URI)
   */
  public static TrafficMeter openDriver(String dir, long numParams) {
    TrafficMeter m = new TrafficMeter("driver", dir, numParams).writtenAtExit();
    TrafficMeter before = BY_RUN.put(dir, m);
    if (before != null) {
      LOG.warn("a second driver meter for {} in this JVM: the first stops being fed by this JVM's training listener", dir);
    }
    return m;
  }

  /**
   * This JVM's meter of a run, created on first use: an executor's, or in Spark local mode (where {@code node} is
   * "driver") the driver's open one. Executors' meters live as long as their JVM and are written a last time when it
   * exits.
   */
  static TrafficMeter forExecutor(String node, String dir, long numParams) {
    return BY_RUN.computeIfAbsent(dir, d -> new TrafficMeter(node, d, numParams).writtenAtExit());
  }

  /**
   * Writes the counters a last time and forgets this meter (a later use for its run creates another); idempotent. The
   * epoch runner closes its driver meter; executors' meters are left to the JVM's exit.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    BY_RUN.remove(dir, this);
    try {
      ShutdownHookManager.get().removeShutdownHook(lastWrite);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting: the hook writes anyway
    }
    writeQuietly();
  }

  /** Counts updates arriving through this JVM's parameter server, once it exists. */
  public synchronized void subscribeIfReady() {
    // a new training master restarts the parameter server (new transport, subscribers cleared): subscribe again
    ModelParameterServer mps = ModelParameterServer.getInstance();
    if (!mps.isInitialized() || mps.getTransport() == null || mps.getTransport() == subscribedTo) {
      return;
    }
    ModelParameterServer.getInstance().addUpdatesSubscriber(new UpdatesHandler() {
      @Override
      public void onSubscribe(Subscription s) {
        // counting only
      }

      @Override
      public void onNext(INDArray update) {
        updatesReceived.incrementAndGet();
        encodedBytesReceived.addAndGet(update.length() * update.dataType().width());
      }

      @Override
      public void onError(Throwable t) {
        LOG.warn("update stream failed: {}", t.toString());
      }

      @Override
      public void onComplete() {
        // nothing to do
      }

      @Override
      public INDArray getParametersArray() {
        return null;
      }

    });
    subscribedTo = mps.getTransport();
  }

  synchronized void onGradient() {
    gradientAt = System.nanoTime();
  }

  synchronized void onIterationDone(double score, String detail) {
    long now = System.nanoTime();
    lastScore = score;
    if (!Double.isNaN(score)) {
      scoreSum += score;
      scoreCount++;
    }
    if (iterations % 50 == 0) {
      LOG.info("{}: iteration {}, minibatch loss {}, updates received {} ({})", node, iterations, String.format("%.4f", score),
          updatesReceived.get(), detail);
    }
    subscribeIfReady();
    if (firstIteration == 0) {
      firstIteration = now;
    }
    if (gradientAt > 0) {
      // a gap of more than two seconds is the start of a new partition or epoch, not computation
      if (lastDone > 0 && gradientAt - lastDone < 2_000_000_000L) {
        computeNanos += gradientAt - lastDone;
      }
      encodeNanos += now - gradientAt;
    }
    iterations++;
    lastDone = now;
    gradientAt = 0;
    if (now - lastWriteAt > 1_000_000_000L) {
      lastWriteAt = now;
      writeQuietly();
    }
  }

  /** A snapshot of the counters, as written to traffic files. */
  public synchronized Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node", node);
    m.put("host", host());
    m.put("pid", ProcessHandle.current().pid());
    m.put("aeron_dir", AeronNode.directory());
    Dl4jInternals.EncodingMetrics encoding = Dl4jInternals.verified().encodingMetrics();
    long sent = encoding.updatesSent();
    double threshold = encoding.threshold();
    double sparsity = encoding.sparsity();
    long[] bytes = aeronBytes();
    m.put("updates_sent", sent < 0 ? null : sent);
    m.put("updates_received", updatesReceived.get());
    m.put("bytes_sent", bytes[0] < 0 ? null : bytes[0]);
    m.put("bytes_received", bytes[1] < 0 ? null : bytes[1]);
    m.put("encoded_bytes_received", encodedBytesReceived.get());
    // what dense gradient sharing would have sent for the same training: one full gradient per iteration
    m.put("dense_bytes_equivalent", iterations * numParams * 4L);
    m.put("parameters", numParams);
    m.put("iterations", iterations);
    m.put("last_minibatch_loss", Double.isNaN(lastScore) ? null : lastScore);
    m.put("mean_minibatch_loss", scoreCount == 0 ? null : scoreSum / scoreCount);
    m.put("compute_seconds", computeNanos / 1e9);
    m.put("encode_apply_seconds", encodeNanos / 1e9);
    m.put("threshold", Double.isNaN(threshold) ? null : threshold);
    m.put("sparsity", Double.isNaN(sparsity) ? null : sparsity);
    m.put("updated", System.currentTimeMillis());
    return m;
  }

  /**
   * Bytes sent and received by this JVM's Aeron media driver ({-1, -1} before one runs), summed over the media
   * drivers it has run: each new training master starts a new one, whose counters start at zero.
   */
  private long[] aeronBytes() {
    if (AeronNode.directory() == null || !new File(AeronNode.directory(), "cnc.dat").exists()) {
      return bytesLast[0] == 0 && bytesOffset[0] == 0 ? new long[] {-1, -1} : new long[] {bytesOffset[0] + bytesLast[0], bytesOffset[1] + bytesLast[1]};
    }
    try (CncFileReader cnc = CncFileReader.map()) {
      long[] now = {cnc.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_SENT.id()),
          cnc.countersReader().getCounterValue(SystemCounterDescriptor.BYTES_RECEIVED.id())};
      for (int k = 0; k < 2; k++) {
        if (now[k] < bytesLast[k]) {
          bytesOffset[k] += bytesLast[k]; // a fresh media driver
        }
        bytesLast[k] = now[k];
      }
      return new long[] {bytesOffset[0] + now[0], bytesOffset[1] + now[1]};
    } catch (RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** Writes this node's counters to its traffic file; failures are logged, never thrown. */
  public void writeQuietly() {
    try {
      Fs.writeAtomically(Fs.path(dir + "/" + node + ".json"), Persisted.write(snapshot(), FORMAT));
    } catch (Exception e) {
      LOG.warn("could not write traffic counters to {}: {}", dir, e.toString());
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
