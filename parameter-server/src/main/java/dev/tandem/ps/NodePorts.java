package dev.tandem.ps;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.spark.SparkEnv;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * UDP ports of the gradient-sharing mesh. The driver (mesh root) listens on the configured controller port; every
 * executor takes a free port from a range, starting at an offset derived from its executor id, so several executors
 * on one host never collide (../shared/docs/STACK.md item 7). A JVM keeps the port it chose: DL4J asks more than once.
 */
public final class NodePorts implements PortSupplier {
  private static final long serialVersionUID = 1L;
  private static volatile Integer chosen;

  private final int controllerPort;
  private final int first;
  private final int last;
  private final String bindHost;

  /**
   * Shipped to every node inside DL4J's VoidConfiguration; each JVM picks its own port on first use.
   *
   * @param first    first port of aeron.port_range
   * @param last     last port of the range
   * @param bindHost the address executors bind to, on which a port must be free
   */
  public NodePorts(int controllerPort, int first, int last, String bindHost) {
    this.controllerPort = controllerPort;
    this.first = first;
    this.last = last;
    this.bindHost = bindHost;
  }

  @Override
  public int getPort() {
    String executor = executorId();
    if (executor == null || executor.equals("driver")) {
      return controllerPort;
    }
    Integer p = chosen;
    if (p == null) {
      synchronized (NodePorts.class) {
        if (chosen == null) {
          chosen = pick(executor);
        }
        p = chosen;
      }
    }
    return p;
  }

  /** The port an executor with this id takes (the first free one from its offset in the range). */
  int pickFor(String executor) {
    return pick(executor);
  }

  private int pick(String executor) {
    InetAddress addr;
    try {
      addr = InetAddress.getByName(bindHost == null ? "0.0.0.0" : bindHost);
    } catch (UnknownHostException e) {
      throw new StartupException("aeron: cannot resolve this executor's address '" + bindHost + "'");
    }
    int size = last - first + 1;
    int start = Math.floorMod(executor.hashCode(), size);
    try {
      start = Math.floorMod(Integer.parseInt(executor), size);
    } catch (NumberFormatException e) {
      // non-numeric executor ids hash to a start
    }
    for (int k = 0; k < size; k++) {
      int port = first + (start + k) % size;
      if (AeronNode.udpPortFree(addr, port)) {
        return port;
      }
    }
    throw new StartupException("aeron.port_range: no free UDP port in [" + first + ", " + last + "] on " + bindHost
        + " for executor " + executor + "; widen the range");
  }

  /** Spark's id of this JVM: "driver", an executor id, or null outside Spark. */
  static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? null : env.executorId();
  }
}
