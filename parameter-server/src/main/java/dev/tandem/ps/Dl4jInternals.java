package dev.tandem.ps;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.MessageHandler;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.networking.v2.UpdatesConsumer;
import org.deeplearning4j.spark.parameterserver.networking.v2.WiredEncodingHandler;
import org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.common.primitives.Atomic;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.Transport;
import org.nd4j.parameterserver.distributed.v2.transport.impl.BaseTransport;
import org.nd4j.parameterserver.distributed.v2.util.MeshOrganizer;

/**
 * DL4J state that Tandem reads and writes by reflection, because DL4J 1.0.0-M2's gradient sharing keeps it private: an
 * executor's trained model and update consumer, the driver's mesh, and the encoding counters. Every field is resolved
 * and checked (name and type) once per JVM by {@link #verified()}, before training starts; a field DL4J moved or
 * retyped fails there with a {@link Dl4jIncompatibleException} naming the class, the field and the DL4J versions this
 * was written for and found, instead of letting training run without the fix it carries (an executor would drop
 * updates, or start epochs from stale parameters, without a log line).
 *
 * <p>Two kinds of access: {@link #trainingModel()}, {@link #acceptUpdates()} and {@link #meshNodes()} control training
 * (the last decides when executors failed to join), and a field they need is required. {@link #encodingMetrics()} only
 * reads counters for the traffic report; it is tolerant: a metric field that did not resolve is reported once, at
 * start-up, and read as unknown.
 *
 * <p>Holds no state of its own besides the resolved fields; the objects it reaches are DL4J's JVM-wide singletons
 * ({@code SharedTrainingWrapper.INSTANCE}, {@link ModelParameterServer#getInstance()}).
 */
public final class Dl4jInternals {
  private static final Logger LOG = LogManager.getLogger(Dl4jInternals.class);
  private static volatile Dl4jInternals verified;

  /** The DL4J artifacts these handles were written against, with the version each was read from. */
  enum Artifact {
    SPARK_PARAMETER_SERVER("org.deeplearning4j", "dl4j-spark-parameterserver_2.12", "1.0.0-M2", SharedTrainingWrapper.class),
    NN("org.deeplearning4j", "deeplearning4j-nn", "1.0.0-M2.1", EncodingHandler.class),
    PARAMETER_SERVER_NODE("org.nd4j", "nd4j-parameter-server-node_2.12", "1.0.0-M2", BaseTransport.class);

    final String group;
    final String artifact;
    final String writtenFor;
    private final Class<?> anchor;

    Artifact(String group, String artifact, String writtenFor, Class<?> anchor) {
      this.group = group;
      this.artifact = artifact;
      this.writtenFor = writtenFor;
      this.anchor = anchor;
    }

    /** The version in the jar's {@code META-INF/maven/.../pom.properties}, or a note saying why it is unknown. */
    String versionOnClassPath() {
      String resource = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
      ClassLoader loader = anchor.getClassLoader() != null ? anchor.getClassLoader() : ClassLoader.getSystemClassLoader();
      try (InputStream in = loader.getResourceAsStream(resource)) {
        if (in == null) {
          return "unknown (no " + resource + " on the class path)";
        }
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown (no version in " + resource + ")");
      } catch (IOException e) {
        return "unknown (" + resource + ": " + e + ")";
      }
    }

    String describe() {
      return artifact + " " + writtenFor + " (this class path has " + versionOnClassPath() + ")";
    }
  }

  /** Whether training depends on a field, or only the traffic report does. */
  enum Use {
    CONTROLS_TRAINING,
    METRIC
  }

  /** Each private DL4J field Tandem touches: where 1.0.0-M2 keeps it, its type, and what Tandem needs it for. */
  enum Handle {
    TRAINING_WRAPPER(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingWrapper.class, "INSTANCE", SharedTrainingWrapper.class,
        Use.CONTROLS_TRAINING, "the executor's shared-training wrapper (a JVM-wide singleton)"),
    WRAPPER_MASTER(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingWrapper.class, "LAST_INSTANCE_ID", AtomicLong.class,
        Use.CONTROLS_TRAINING, "which training master the executor's wrapper serves: DL4J drops the model of an earlier one "
            + "(a refit's network differs) only when the new master's training task starts, so the model held before "
            + "then belongs to another session"),
    MASTER_ID(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingMaster.class,
        "instanceId", int.class, Use.CONTROLS_TRAINING, "the driver's training master's number, which executors' wrappers "
            + "record as the master they serve"),
    TRAINED_MODEL(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingWrapper.class, "originalModel", Model.class, Use.CONTROLS_TRAINING,
        "the model an executor trains: Tandem starts each epoch from the driver's parameters and pins its learning-rate schedule"),
    UPDATE_CONSUMER(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingWrapper.class, "consumer", UpdatesConsumer.class,
        Use.CONTROLS_TRAINING, "the executor's update consumer: Tandem turns its bypass mode off for the whole epoch, or the updates "
            + "other executors send while this one is between tasks are dropped"),
    MESH(Artifact.PARAMETER_SERVER_NODE, BaseTransport.class, "mesh", Atomic.class, Use.CONTROLS_TRAINING,
        "the driver's gradient-sharing mesh: how many executors joined (executors that never join fail the run after "
            + "aeron.startup_timeout_seconds)"),
    ACCUMULATOR(Artifact.SPARK_PARAMETER_SERVER, SharedTrainingWrapper.class, "accumulator", EncodedGradientsAccumulator.class,
        Use.METRIC, "the executor's gradient accumulator (traffic report)"),
    ENCODING_HANDLER(Artifact.NN, EncodedGradientsAccumulator.class, "handler", MessageHandler.class, Use.METRIC,
        "the accumulator's encoding handler (traffic report)"),
    UPDATES_SENT(Artifact.SPARK_PARAMETER_SERVER, WiredEncodingHandler.class, "updatesCounter", AtomicLong.class, Use.METRIC,
        "encoded updates an executor sent (traffic report: updates_sent)"),
    THRESHOLD(Artifact.NN, AdaptiveThresholdAlgorithm.class, "lastThreshold", double.class, Use.METRIC,
        "the adaptive encoding's current threshold (traffic report: threshold)"),
    SPARSITY(Artifact.NN, AdaptiveThresholdAlgorithm.class, "lastSparsity", double.class, Use.METRIC,
        "the share of gradient values sent at the last update (traffic report: sparsity)");

    final Artifact artifact;
    final Location location;
    final Class<?> type;
    final Use use;
    final String purpose;

    Handle(Artifact artifact, Class<?> owner, String field, Class<?> type, Use use, String purpose) {
      this.artifact = artifact;
      this.location = new Location(owner, field);
      this.type = type;
      this.use = use;
      this.purpose = purpose;
    }

    boolean isStatic() {
      return this == TRAINING_WRAPPER || this == WRAPPER_MASTER;
    }
  }

  /** Where a field is looked up: a class (or one of its superclasses) and a field name. */
  record Location(Class<?> owner, String field) {
    @Override
    public String toString() {
      return owner.getName() + "." + field;
    }
  }

  /** What the traffic report reads; {@code -1} / NaN where unknown. */
  public record EncodingMetrics(long updatesSent, double threshold, double sparsity) {
    static final EncodingMetrics UNKNOWN = new EncodingMetrics(-1, Double.NaN, Double.NaN);
  }

  private final Map<Handle, Field> fields;
  private final Set<Handle> missingMetrics;

  private Dl4jInternals(Map<Handle, Field> fields, Set<Handle> missingMetrics) {
    this.fields = fields;
    this.missingMetrics = missingMetrics;
  }

  /**
   * This JVM's verified handles, resolved on the first call (the driver calls it before it starts Spark, an executor
   * before its first batch).
   *
   * @throws Dl4jIncompatibleException if a field that controls training is missing or has another type: the message
   *     names each one, what it is for, and the DL4J versions this code was written for and found on the class path
   */
  public static Dl4jInternals verified() {
    Dl4jInternals v = verified;
    if (v == null) {
      synchronized (Dl4jInternals.class) {
        if (verified == null) {
          verified = resolve(Map.of());
          LOG.info("DL4J internals verified against {}", versions());
        }
        v = verified;
      }
    }
    return v;
  }

  /**
   * Resolves every handle, with some moved elsewhere (tests point one at a field that does not exist). Fails on the
   * first call with every problem of the handles that control training; metric handles that fail are logged.
   */
  static Dl4jInternals resolve(Map<Handle, Location> moved) {
    Map<Handle, Field> fields = new EnumMap<>(Handle.class);
    List<String> broken = new ArrayList<>();
    Set<Handle> missingMetrics = new LinkedHashSet<>();
    Set<Artifact> involved = new LinkedHashSet<>();
    for (Handle h : Handle.values()) {
      Location at = moved.getOrDefault(h, h.location);
      String problem = null;
      Field f = find(at);
      if (f == null) {
        problem = at + ": no such field";
      } else if (!h.type.isAssignableFrom(f.getType())) {
        problem = at + ": has type " + f.getType().getName() + ", expected " + h.type.getName();
      } else if (Modifier.isStatic(f.getModifiers()) != h.isStatic()) {
        problem = at + ": is " + (h.isStatic() ? "not " : "") + "static";
      } else {
        try {
          f.setAccessible(true);
          fields.put(h, f);
        } catch (RuntimeException e) { // InaccessibleObjectException, SecurityException
          problem = at + ": cannot be made accessible (" + e + ")";
        }
      }
      if (problem == null) {
        continue;
      }
      if (h.use == Use.CONTROLS_TRAINING) {
        broken.add(problem + " -- needed for " + h.purpose);
        involved.add(h.artifact);
      } else {
        missingMetrics.add(h);
        LOG.warn("DL4J internals: {}; the traffic report will show this value as unknown ({}; written for {})", problem, h.purpose,
            h.artifact.describe());
      }
    }
    if (!broken.isEmpty()) {
      StringBuilder sb = new StringBuilder("DL4J's gradient sharing has changed under Tandem: ");
      sb.append(String.join("; ", broken)).append(". Tandem's access to these fields (").append(Dl4jInternals.class.getName())
          .append(") was written for ");
      List<String> versions = new ArrayList<>();
      for (Artifact a : involved) {
        versions.add(a.describe());
      }
      sb.append(String.join(", ", versions)).append("; adapt it to the DL4J version on the class path, or use the one it was written for");
      throw new Dl4jIncompatibleException(sb.toString());
    }
    return new Dl4jInternals(Collections.unmodifiableMap(fields), Collections.unmodifiableSet(missingMetrics));
  }

  /** The DL4J versions on this class path, as read from their jars. */
  public static String versions() {
    List<String> out = new ArrayList<>();
    for (Artifact a : Artifact.values()) {
      out.add(a.artifact + " " + a.versionOnClassPath());
    }
    return String.join(", ", out);
  }

  /** The metric handles that did not resolve (their values read as unknown). */
  Set<Handle> missingMetrics() {
    return missingMetrics;
  }

  private static Field find(Location at) {
    for (Class<?> c = at.owner(); c != null; c = c.getSuperclass()) {
      try {
        return c.getDeclaredField(at.field());
      } catch (NoSuchFieldException e) {
        // try the superclass
      }
    }
    return null;
  }

  private Object read(Handle h, Object target) {
    Field f = fields.get(h);
    if (f == null) {
      return null;
    }
    try {
      return f.get(target);
    } catch (IllegalAccessException e) { // made accessible in resolve(): cannot happen
      throw new IllegalStateException("cannot read " + h.location, e);
    }
  }

  private Object wrapper() {
    return read(Handle.TRAINING_WRAPPER, null);
  }

  /**
   * The model this JVM's shared-training wrapper trains; empty until DL4J built it (an executor's first training task
   * builds it after Tandem's batch source started), and in Spark local mode until the first task ran.
   */
  public Optional<Model> trainingModel() {
    return Optional.ofNullable((Model) read(Handle.TRAINED_MODEL, wrapper()));
  }

  /**
   * The number of the training master whose model this JVM's wrapper holds (see {@link #masterId}); empty before the
   * wrapper served any.
   */
  public OptionalLong wrapperMaster() {
    long id = ((AtomicLong) read(Handle.WRAPPER_MASTER, null)).get();
    return id == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(id);
  }

  /** A driver's training master's number, as executors' wrappers record it. */
  public long masterId(SharedTrainingMaster master) {
    return (Integer) read(Handle.MASTER_ID, master);
  }

  /**
   * Writes DL4J state: makes this executor's update consumer keep the updates other executors send, from now until
   * DL4J's training task ends (it then turns bypass mode on again). DL4J drops every update that arrives while an
   * executor is between tasks, so an executor that starts an epoch a moment after the others would lose their first
   * updates.
   *
   * @return false when this JVM has no consumer (yet): before an executor's first training task (DL4J creates the
   *     consumer there and turns bypass off itself), and in Spark local mode, where executors share the driver's
   *     parameter server
   */
  public boolean acceptUpdates() {
    Object consumer = read(Handle.UPDATE_CONSUMER, wrapper());
    if (consumer == null) {
      return false;
    }
    ((UpdatesConsumer) consumer).bypassMode(false);
    return true;
  }

  /**
   * Nodes in this JVM's gradient-sharing mesh (the driver counts itself plus every executor that joined), or -1 before
   * the parameter server has a transport with a mesh.
   *
   * @throws IllegalStateException if the parameter server runs a transport that is not DL4J's BaseTransport (this code
   *     cannot count its nodes)
   */
  public long meshNodes() {
    Transport transport = ModelParameterServer.getInstance().getTransport();
    if (transport == null) {
      return -1;
    }
    if (!(transport instanceof BaseTransport)) {
      throw new IllegalStateException("the gradient-sharing transport is a " + transport.getClass().getName() + ", not a "
          + BaseTransport.class.getName() + ": Tandem cannot count the executors that joined (written for "
          + Artifact.PARAMETER_SERVER_NODE.describe() + ")");
    }
    Atomic<?> mesh = (Atomic<?>) read(Handle.MESH, transport);
    Object organizer = mesh == null ? null : mesh.get();
    return organizer == null ? -1 : ((MeshOrganizer) organizer).totalNodes();
  }

  /**
   * Tolerant reader of this executor's encoding counters, for the traffic report: updates sent, the adaptive threshold
   * and the share of values sent. Each value is unknown (-1 / NaN) before training started, when DL4J uses another
   * encoding handler or threshold algorithm than the ones configured by {@link GradientSharing}, or when its field did
   * not resolve at start-up (logged then).
   */
  public EncodingMetrics encodingMetrics() {
    Object accumulator = read(Handle.ACCUMULATOR, wrapper());
    Object handler = accumulator == null ? null : read(Handle.ENCODING_HANDLER, accumulator);
    if (!(handler instanceof EncodingHandler h)) {
      return EncodingMetrics.UNKNOWN;
    }
    long sent = h instanceof WiredEncodingHandler w ? updatesSent(w) : -1;
    ThresholdAlgorithm algorithm = h.getAverageThresholdAlgorithm();
    return new EncodingMetrics(sent, algorithmValue(Handle.THRESHOLD, algorithm), algorithmValue(Handle.SPARSITY, algorithm));
  }

  /** A double field of the adaptive threshold algorithm, or NaN. */
  double algorithmValue(Handle h, ThresholdAlgorithm algorithm) {
    if (!(algorithm instanceof AdaptiveThresholdAlgorithm)) {
      return Double.NaN;
    }
    Object v = read(h, algorithm);
    return v instanceof Double d ? d : Double.NaN;
  }

  /** A count of encoded updates sent by a handler, or -1. */
  long updatesSent(WiredEncodingHandler h) {
    Object counter = read(Handle.UPDATES_SENT, h);
    return counter instanceof AtomicLong a ? a.get() : -1;
  }
}
