package dev.tandem.trainer.train;

import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.TwoTowerModel;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures training throughput (examples per second) of a model on a dataset's train split, with one worker (the
 * serial loop) or several (ParallelWrapper, one model replica per thread). Used by {@code tandem bench train}.
 */
public final class Throughput {
  private Throughput() {}

  /**
   * Result of a measurement: examples/s of each timed epoch and their median; wall and process CPU milliseconds per
   * step (CPU time counts the JIT and the garbage collector, not other processes, though their load still slows it
   * through shared caches and cores); and the peaks sampled while training: heap in use, ND4J's off-heap memory (its
   * memory manager's count: JavaCPP pointers, arrays and workspaces) and the process's resident memory.
   */
  public record Result(String model, int batch, int workers, double[] perEpoch, double median, double msPerStep, double cpuMsPerStep,
      long peakHeapBytes, long peakOffHeapBytes, long peakRssBytes) {}

  public static Result measure(String name, PreparedDataset ds, ModelSpec spec, TrainConfig train, int workers, int epochs, long seed) {
    Examples split = Examples.of(ds, ds.read(SplitName.TRAIN));
    Examples data = spec.isTwoTower() ? split.positives() : split;
    int batch = train.batchSize();
    int steps = spec.isTwoTower() ? data.size() / batch : (data.size() + batch - 1) / batch;
    try (Peaks peaks = new Peaks()) {
      RecommenderModel model = spec.isTwoTower()
          ? TwoTowerModel.create(spec, train, seed, steps * (epochs + 1), TwoTowerModel.itemLogq(data, ds.items().size()))
          : RankingModel.create(spec, train, seed, steps * (epochs + 1));
      ParallelWrapper pw = workers > 1 ? ParallelEpochs.wrapper(model, workers) : null;
      double[] rates = new double[epochs];
      double[] cpuMs = new double[epochs];
      long global = 0;
      try {
        for (int e = 0; e <= epochs; e++) {
          int[] order = TrainingLoop.permutation(data.size(), seed, e);
          long t0 = System.nanoTime();
          long c0 = processCpuNanos();
          if (pw == null) {
            for (int s = 0; s < steps; s++) {
              int[] idx = Arrays.copyOfRange(order, s * batch, Math.min(order.length, (s + 1) * batch));
              SerialEpochs.step(model, data, idx, global++, seed);
            }
          } else {
            pw.fit(new EpochBatches(model, data, order, batch, 0, steps, seed, global, null));
            global += steps;
          }
          double sec = (System.nanoTime() - t0) / 1e9;
          if (e > 0) { // the first epoch warms the JIT and ND4J's workspaces
            rates[e - 1] = (double) steps * batch / sec;
            cpuMs[e - 1] = (processCpuNanos() - c0) / 1e6 / steps;
          }
        }
      } finally {
        if (pw != null) {
          pw.shutdown();
        }
      }
      double median = median(rates);
      return new Result(name, batch, workers, rates, median, 1000.0 * batch / median, median(cpuMs), peaks.heap.get(), peaks.offHeap.get(),
          peaks.rss.get());
    }
  }

  private static double median(double[] x) {
    double[] sorted = x.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** CPU time of this whole JVM so far, all its threads; -1 where the JVM does not report it. */
  public static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  /** Samples memory every 10 ms on a daemon thread until closed. */
  private static final class Peaks implements AutoCloseable {
    final AtomicLong heap = new AtomicLong();
    final AtomicLong offHeap = new AtomicLong();
    final AtomicLong rss = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    Peaks() {
      MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
      sampler = new Thread(() -> {
        while (running) {
          heap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
          offHeap.accumulateAndGet(Nd4j.getMemoryManager().allocatedMemory(0), Math::max);
          rss.accumulateAndGet(Pointer.physicalBytes(), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "throughput-memory");
      sampler.setDaemon(true);
      sampler.start();
    }

    @Override
    public void close() {
      running = false;
      sampler.interrupt();
      try {
        sampler.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
