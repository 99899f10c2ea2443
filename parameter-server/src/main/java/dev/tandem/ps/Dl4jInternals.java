package dev.tandem.ps;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper;

/**
 * Read-only access to counters DL4J 1.0.0-M2 keeps but does not expose: how many encoded updates an executor sent, and
 * the current encoding threshold. Confined here, pinned to that version, and failure-tolerant: if a field moves, the
 * value is reported as unknown instead of breaking training.
 */
public final class Dl4jInternals {
  private Dl4jInternals() {}

  /** The encoding handler of this executor's shared-training wrapper, once training has started. */
  static Optional<EncodingHandler> encodingHandler() {
    try {
      Object wrapper = field(SharedTrainingWrapper.class, "INSTANCE").get(null);
      Object accumulator = field(SharedTrainingWrapper.class, "accumulator").get(wrapper);
      if (accumulator == null) {
        return Optional.empty();
      }
      Object handler = field(accumulator.getClass(), "handler").get(accumulator);
      return handler instanceof EncodingHandler h ? Optional.of(h) : Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The model this executor's shared-training wrapper trains, once training has started. */
  public static Optional<org.deeplearning4j.nn.api.Model> trainingModel() {
    try {
      Object wrapper = field(SharedTrainingWrapper.class, "INSTANCE").get(null);
      Object model = field(SharedTrainingWrapper.class, "originalModel").get(wrapper);
      return model instanceof org.deeplearning4j.nn.api.Model m ? Optional.of(m) : Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Makes this executor buffer the updates other executors send, from now on. DL4J's shared-training wrapper drops
   * every update that arrives while this executor is not inside a training task ("bypass mode"), so an executor that
   * starts an epoch a moment after the others silently loses their first updates. Returns false if the field moved.
   */
  public static boolean acceptUpdates() {
    try {
      Object wrapper = field(SharedTrainingWrapper.class, "INSTANCE").get(null);
      Object consumer = field(SharedTrainingWrapper.class, "consumer").get(wrapper);
      if (consumer instanceof org.deeplearning4j.spark.parameterserver.networking.v2.UpdatesConsumer c) {
        c.bypassMode(false);
        return true;
      }
      return false;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Nodes in this JVM's gradient-sharing mesh (the driver sees itself plus every executor that joined), or -1 if
   * unknown.
   */
  public static long meshNodes() {
    try {
      Object transport = org.nd4j.parameterserver.distributed.v2.ModelParameterServer.getInstance().getTransport();
      if (transport == null) {
        return -1;
      }
      Object atomic = field(transport.getClass(), "mesh").get(transport);
      Object mesh = atomic.getClass().getMethod("get").invoke(atomic);
      return mesh == null ? -1 : ((org.nd4j.parameterserver.distributed.v2.util.MeshOrganizer) mesh).totalNodes();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }

  /** Encoded updates this executor broadcast (WiredEncodingHandler.updatesCounter), or -1 if unknown. */
  static long updatesSent(EncodingHandler h) {
    try {
      return ((AtomicLong) field(h.getClass(), "updatesCounter").get(h)).get();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }

  /** The threshold the adaptive encoding currently uses (averaged over this executor's threads), or NaN. */
  static double threshold(EncodingHandler h) {
    return algorithmField(h, "lastThreshold");
  }

  /** The share of gradient values sent at the last update, or NaN. */
  static double sparsity(EncodingHandler h) {
    return algorithmField(h, "lastSparsity");
  }

  private static double algorithmField(EncodingHandler h, String name) {
    try {
      ThresholdAlgorithm a = h.getAverageThresholdAlgorithm();
      return a == null ? Double.NaN : field(a.getClass(), name).getDouble(a);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // try the superclass
      }
    }
    throw new NoSuchFieldException(type.getName() + "." + name);
  }
}
