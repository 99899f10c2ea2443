package dev.tandem.ps;

import dev.tandem.trainer.ClusterSection;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.util.NetworkOrganizer;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.enums.MeshBuildMode;

/**
 * DL4J's gradient-sharing configuration for a cluster: where the mesh root (the driver) is, which ports executors use,
 * how nodes find their own address, and how gradients are encoded (an adaptive threshold keeps the share of values
 * sent between the configured sparsities; the rest accumulates in residuals).
 */
public final class GradientSharing {
  private GradientSharing() {}

  /**
   * The VoidConfiguration of a run. The controller address is resolved here, on the driver, and checked: an address
   * that does not resolve or a controller port that is taken fails now with a message naming the key.
   */
  public static VoidConfiguration voidConfiguration(ClusterConfig.Aeron a, String controllerAddress) {
    AeronNode.resolve(controllerAddress, "aeron.controller_address");
    AeronNode.checkUdpPortFree(controllerAddress, a.controllerPort(), "aeron.controller_port");
    VoidConfiguration vc = VoidConfiguration.builder()
        .controllerAddress(controllerAddress)
        .networkMask(a.networkMask())
        .portSupplier(new NodePorts(a.controllerPort(), a.portRange().get(0), a.portRange().get(1), bindHost(a, controllerAddress)))
        .meshBuildMode(MeshBuildMode.MESH)
        .build();
    vc.setUnicastControllerPort(a.controllerPort());
    return vc;
  }

  /** The address executors bind to: on a loopback cluster the loopback address, else every interface. */
  private static String bindHost(ClusterConfig.Aeron a, String controllerAddress) {
    return controllerAddress.startsWith("127.") ? controllerAddress : "0.0.0.0";
  }

  /** The controller address: configured, else the driver's address in the network mask, else $SPARK_PUBLIC_DNS, $DL4J_VOID_IP. */
  public static String controllerAddress(ClusterConfig.Aeron a) {
    if (a.controllerAddress() != null) {
      return a.controllerAddress();
    }
    if (a.networkMask() != null) {
      try {
        String s = new NetworkOrganizer(a.networkMask()).getMatchingAddress();
        if (s != null) {
          return s;
        }
      } catch (RuntimeException noInterface) {
        // no interface of this host lies in the mask: fall through to the environment, then the error below
      }
    }
    for (String env : new String[] {"SPARK_PUBLIC_DNS", "DL4J_VOID_IP"}) {
      String v = System.getenv(env);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    throw new StartupException("aeron.controller_address is not set and no address matches aeron.network_mask "
        + a.networkMask() + " (nor is SPARK_PUBLIC_DNS or DL4J_VOID_IP set): executors could not reach the driver");
  }

  /**
   * Stops this driver's gradient-sharing transport so a new training master can bind the controller port again, and
   * waits (up to 15 s) until the port is free.
   */
  public static void releaseDriverTransport(ClusterConfig.Aeron a, String controllerAddress) {
    ModelParameterServer mps = ModelParameterServer.getInstance();
    if (mps.isInitialized()) {
      mps.shutdown();
    }
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        AeronNode.checkUdpPortFree(controllerAddress, a.controllerPort(), "aeron.controller_port");
        return;
      } catch (StartupException busy) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Clipping of the unsent residual every 5 steps, or null when the job keeps the whole residual. */
  public static ResidualPostProcessor residualClipping(ClusterSection c) {
    return c.residualClip() > 0 ? new ResidualClippingPostProcessor(c.residualClip(), 5) : null;
  }

  /** The adaptive threshold encoding of a job. */
  public static ThresholdAlgorithm threshold(ClusterSection c) {
    return new AdaptiveThresholdAlgorithm(c.threshold(), c.minSparsity(), c.maxSparsity(), AdaptiveThresholdAlgorithm.DEFAULT_DECAY_RATE);
  }
}
