package dev.tandem.serving.http;

import dev.tandem.serving.Recommendations;
import dev.tandem.serving.Recommender;
import dev.tandem.serving.experiment.Tracking;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP endpoint (Netty), bound to 127.0.0.1 unless told otherwise:
 *
 * <ul>
 *   <li>{@code GET /recommend?user=ID&k=10[&explain=true][&exclude=i1,i2][&ATTRIBUTE=value...]}: the recommendations as
 *       JSON ({@link Recommendations}); attributes are context features (e.g. device) and, for users the model does not
 *       know, user features (e.g. country); an unknown user is served by the cold-start path, never an error;</li>
 *   <li>{@code POST /events} (a model with history features): events recorded in the history once durable in its events
 *       log, answered {@code {"accepted", "unknown_items", "new_users", "as_of"}}; a malformed event is a 400 naming the
 *       field (see {@link dev.tandem.serving.history.LiveHistory});</li>
 *   <li>{@code GET /features?user=ID[&item=ID][&time=T]}: the encoded model inputs of that pair (read-only);</li>
 *   <li>{@code POST /feedback} (when answers are logged, see {@link Tracking}): what users did with the items of an
 *       answer, by its {@code request_id}; answered {@code {"accepted", "unmatched", "not_shown"}} once durable;</li>
 *   <li>{@code GET /health}: {@code {"status": "ok", "model": ..., "version": ..., "items": ...}};</li>
 *   <li>{@code GET /metrics}: Prometheus text format (see {@link ServingMetrics}).</li>
 * </ul>
 *
 * A malformed request (missing or bad parameters, malformed percent-encoding, a method the endpoint does not take) gets a 4xx status
 * with {@code {"error": "...", "status": N}}; a failure of the server gets {@code {"error": "internal error", "id": ...}}
 * and the detail is logged under that id.
 *
 * <p>Hostile or unlucky clients cost little: connections are served by a few event-loop threads that never block, so
 * a connection that sends half a request holds a socket, not a thread, until its read timeout closes it; connections
 * idle between requests are closed after the idle timeout. {@code /recommend}, {@code /events} and {@code /features} run on a bounded pool of request threads
 * with a bounded queue, and requests beyond both get 503 at once (counted by status and in
 * {@code tandem_requests_rejected_total}). A client that leaves before its answer is written is counted in
 * {@code tandem_client_disconnects_total}, not as an error.
 *
 * <p><b>Ownership.</b> The server does not own the {@link Recommender}: whoever created both closes the server first
 * (which drains it, see {@link #close()}) and then the recommender.
 */
public final class RecommendServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(RecommendServer.class);
  static final int MAX_LINE_BYTES = 8192;
  static final int MAX_HEADER_BYTES = 16384;
  static final int MAX_BODY_BYTES = 65536;

  /**
   * How the server treats its clients.
   *
   * @param threads      request threads for {@code /recommend} (at least 1)
   * @param queue        requests that may wait for a thread (0: none); requests beyond threads + queue get 503
   * @param readTimeout  time a request may take to arrive, from its first byte to its last
   * @param idleTimeout  time a connection may stay open with no request
   * @param drainTimeout time {@link #close()} waits for requests in flight before cutting them off
   */
  public record Settings(int threads, int queue, Duration readTimeout, Duration idleTimeout, Duration drainTimeout) {
    public Settings {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, was " + threads);
      }
      if (queue < 0) {
        throw new IllegalArgumentException("queue must be 0 or more, was " + queue);
      }
      for (Duration d : new Duration[] {readTimeout, idleTimeout, drainTimeout}) {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("timeouts must be positive, was " + d);
        }
      }
    }

    /** {@code threads} request threads, a queue of 8 per thread, 10 s to read a request, 60 s idle, 10 s to drain. */
    public static Settings defaults(int threads) {
      return new Settings(threads, 8 * Math.max(1, threads), Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    public Settings withQueue(int q) {
      return new Settings(threads, q, readTimeout, idleTimeout, drainTimeout);
    }

    public Settings withReadTimeout(Duration d) {
      return new Settings(threads, queue, d, idleTimeout, drainTimeout);
    }

    public Settings withIdleTimeout(Duration d) {
      return new Settings(threads, queue, readTimeout, d, drainTimeout);
    }

    public Settings withDrainTimeout(Duration d) {
      return new Settings(threads, queue, readTimeout, idleTimeout, d);
    }
  }

  private final Recommender recommender;
  private final Settings settings;
  private final ServingMetrics metrics;
  private final Endpoints endpoints;
  private final ThreadPoolExecutor pool;
  private final InFlight inFlight = new InFlight();
  private final EventLoopGroup acceptor;
  private final EventLoopGroup io;
  private final ChannelGroup connections = new DefaultChannelGroup("tandem-http", GlobalEventExecutor.INSTANCE);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean draining;
  private Channel listener;

  private RecommendServer(Recommender recommender, Tracking tracking, Settings settings) {
    this.recommender = recommender;
    this.settings = settings;
    this.metrics = new ServingMetrics(recommender, tracking);
    this.endpoints = new Endpoints(recommender, tracking, metrics, () -> draining);
    BlockingQueue<Runnable> queue = settings.queue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(settings.queue());
    this.pool = new ThreadPoolExecutor(settings.threads(), settings.threads(), 60, TimeUnit.SECONDS, queue,
        new DefaultThreadFactory("tandem-http", true), new ThreadPoolExecutor.AbortPolicy());
    this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("tandem-http-accept", true));
    // a couple of event loops are plenty: they only move bytes and answer /health and /metrics
    this.io = new NioEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory("tandem-http-io", true));
  }

  /** Starts serving on {@code host:port} (port 0: any free port) with {@code threads} request threads and default settings. */
  public static RecommendServer start(Recommender recommender, String host, int port, int threads) throws IOException {
    return start(recommender, host, port, Settings.defaults(threads));
  }

  /**
   * Starts serving on {@code host:port} (port 0: any free port). Throws {@link IOException} if the address cannot be
   * bound (e.g. the port is taken); nothing is left running then.
   */
  public static RecommendServer start(Recommender recommender, String host, int port, Settings settings) throws IOException {
    return start(recommender, null, host, port, settings);
  }

  /**
   * Starts serving with every answer logged through {@code tracking} (null: none), which also takes
   * {@code POST /feedback}. The server does not own the tracking: its opener closes it after the server.
   *
   * @throws IOException if the address cannot be bound; nothing is left running then
   */
  public static RecommendServer start(Recommender recommender, Tracking tracking, String host, int port, Settings settings)
      throws IOException {
    RecommendServer s = new RecommendServer(recommender, tracking, settings);
    try {
      s.listener = new ServerBootstrap().group(s.acceptor, s.io).channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 256)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              s.connections.add(ch);
              ch.pipeline().addLast(new RequestDeadline(settings.readTimeout(), s.metrics),
                  new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                  new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES, 8192),
                  new Aggregator(),
                  new RequestHandler(s));
            }
          })
          .bind(host, port).sync().channel();
    } catch (Exception e) { // Netty rethrows the bind failure (an IOException) from sync() without declaring it
      s.stopThreads();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    LOG.info("serving {} v{} on {} ({} request threads, queue {}, read timeout {}, idle timeout {})", recommender.model(),
        recommender.version(), s.uri(), settings.threads(), settings.queue(), human(settings.readTimeout()), human(settings.idleTimeout()));
    return s;
  }

  /** Requests with a body longer than {@link #MAX_BODY_BYTES} go on as a malformed request, answered 413 in JSON. */
  private static final class Aggregator extends HttpObjectAggregator {
    Aggregator() {
      super(MAX_BODY_BYTES);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      if (!(oversized instanceof HttpRequest r)) {
        ctx.close();
        return;
      }
      DefaultFullHttpRequest tooLarge = new DefaultFullHttpRequest(r.protocolVersion(), r.method(), r.uri());
      tooLarge.setDecoderResult(DecoderResult.failure(new TooLongFrameException("body over " + MAX_BODY_BYTES + " bytes")));
      ctx.fireChannelRead(tooLarge);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  public URI uri() {
    return URI.create("http://" + ((InetSocketAddress) listener.localAddress()).getHostString() + ":" + port());
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  Settings settings() {
    return settings;
  }

  Endpoints endpoints() {
    return endpoints;
  }

  ThreadPoolExecutor pool() {
    return pool;
  }

  InFlight inFlight() {
    return inFlight;
  }

  boolean draining() {
    return draining;
  }

  /**
   * Stops serving, gracefully: new connections are refused and requests on open connections get 503; requests already
   * accepted (running or queued) are answered, for at most {@link Settings#drainTimeout()}; then every connection is
   * closed and the threads stop. Blocks until done. Calling it again does nothing. Does not close the
   * {@link Recommender}: its owner does that after this returns.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    draining = true;
    listener.close().awaitUninterruptibly();
    boolean drained;
    try {
      drained = inFlight.awaitNone(settings.drainTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    if (!drained) {
      LOG.warn("{} request(s) still in flight after {} of draining: closing their connections", inFlight.count(),
          human(settings.drainTimeout()));
    }
    connections.close().awaitUninterruptibly();
    stopThreads();
    LOG.info("stopped serving {} v{}: {}", recommender.model(), recommender.version(), metrics.requestCounts());
  }

  static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private void stopThreads() {
    pool.shutdownNow();
    io.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
      io.awaitTermination(5, TimeUnit.SECONDS);
      acceptor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
