package dev.tandem.serving.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One connection's requests, in order. Runs on the connection's event loop, which must never block: {@code /health},
 * {@code /metrics} and every error are answered right there, while {@code /recommend}, {@code /events} (which waits for
 * the events log to sync) and {@code /features} go to the server's bounded pool
 * of request threads, or gets a 503 when the pool and its queue are full. One request of a connection is served at a
 * time (answers must leave in the order requests came); the connection is not read meanwhile, and requests a client
 * pipelined are held until their turn.
 *
 * <p>A request is counted when its answer has been written. If writing fails because the client has gone, the request
 * is counted as a disconnect, not as an answer and not as an error of the server: that is the client's choice.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LogManager.getLogger(RequestHandler.class);
  /** Requests a client may send ahead of their answers before the connection is closed. */
  private static final int MAX_PIPELINED = 16;

  private final RecommendServer server;
  private final ArrayDeque<Incoming> pending = new ArrayDeque<>();
  private boolean busy; // touched only on the event loop

  /** What a request carries, copied off Netty's buffers when it arrives. */
  private record Incoming(HttpVersion version, String method, String uri, String path, String query, boolean keepAlive,
      Throwable malformed, long arrivedNanos, byte[] body) {

    static Incoming of(FullHttpRequest req) {
      String uri = req.uri();
      String target = uri;
      if (target.startsWith("http://") || target.startsWith("https://")) { // absolute form: keep the path and query only
        int slash = target.indexOf('/', target.indexOf("//") + 2);
        target = slash < 0 ? "/" : target.substring(slash);
      }
      int hash = target.indexOf('#');
      if (hash >= 0) {
        target = target.substring(0, hash);
      }
      int q = target.indexOf('?');
      Throwable malformed = req.decoderResult().isFailure() ? req.decoderResult().cause() : null;
      byte[] body = new byte[req.content().readableBytes()];
      req.content().getBytes(req.content().readerIndex(), body);
      return new Incoming(req.protocolVersion(), req.method().name(), uri, q < 0 ? target : target.substring(0, q),
          q < 0 ? null : target.substring(q + 1), HttpUtil.isKeepAlive(req), malformed, System.nanoTime(), body);
    }

    boolean head() {
      return method.equals(HttpMethod.HEAD.name());
    }
  }

  RequestHandler(RecommendServer server) {
    this.server = server;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
    if (deadline != null) {
      deadline.requestComplete();
    }
    Incoming in = Incoming.of(req);
    if (!busy) {
      handle(ctx, in);
    } else if (pending.size() < MAX_PIPELINED) {
      pending.add(in);
    } else {
      LOG.debug("closing {}: more than {} requests sent ahead of their answers", ctx.channel().remoteAddress(), MAX_PIPELINED);
      ctx.close();
    }
  }

  private void handle(ChannelHandlerContext ctx, Incoming in) {
    busy = true;
    ctx.channel().config().setAutoRead(false);
    server.inFlight().begin();
    if (in.malformed() != null) {
      respond(ctx, in, Endpoints.OTHER, malformed(in.malformed()).closing());
      return;
    }
    String endpoint = Endpoints.endpoint(in.path());
    if (server.draining()) {
      server.metrics().rejected("draining");
      respond(ctx, in, endpoint, Answer.error(503, "the server is shutting down; send the request to another instance").closing());
      return;
    }
    if (!Endpoints.works(endpoint, in.method())) { // cheap, and never blocks: answered on the event loop
      respond(ctx, in, endpoint, server.endpoints().answer(in.method(), in.path(), in.query(), in.body()));
      return;
    }
    try {
      server.pool().execute(() -> {
        Answer a = server.endpoints().answer(in.method(), in.path(), in.query(), in.body());
        try {
          ctx.channel().eventLoop().execute(() -> respond(ctx, in, endpoint, a));
        } catch (RejectedExecutionException e) { // the event loops are gone: the server stopped before this request finished
          server.inFlight().end();
          LOG.debug("dropped the answer to {} {}: the server has stopped", in.method(), in.uri());
        }
      });
    } catch (RejectedExecutionException e) {
      server.metrics().rejected("overloaded");
      respond(ctx, in, endpoint, Answer.error(503, "the server is busy (" + server.settings().threads() + " requests in progress, "
          + server.settings().queue() + " waiting); retry later").withHeader("Retry-After", "1"));
    }
  }

  private static Answer malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return Answer.error(414, "the request line is longer than " + RecommendServer.MAX_LINE_BYTES + " bytes");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return Answer.error(431, "the request headers are longer than " + RecommendServer.MAX_HEADER_BYTES + " bytes");
    }
    if (cause instanceof TooLongFrameException) {
      return Answer.error(413, "the request body is longer than " + RecommendServer.MAX_BODY_BYTES + " bytes");
    }
    return Answer.error(400, "malformed HTTP request: " + cause.getMessage());
  }

  /** Writes the answer; counts it once written, or counts a disconnect; then serves the connection's next request. */
  private void respond(ChannelHandlerContext ctx, Incoming in, String endpoint, Answer a) {
    boolean keepAlive = in.keepAlive() && !a.close() && !server.draining();
    FullHttpResponse resp = new DefaultFullHttpResponse(in.version(), HttpResponseStatus.valueOf(a.status()),
        in.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType()).setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
    a.headers().forEach((name, value) -> resp.headers().set(name, value));
    HttpUtil.setKeepAlive(resp, keepAlive);
    ctx.writeAndFlush(resp).addListener(f -> {
      server.inFlight().end();
      if (f.isSuccess()) {
        server.metrics().observe(endpoint, a.status(), System.nanoTime() - in.arrivedNanos());
      } else {
        server.metrics().disconnected(endpoint);
        LOG.debug("the client of {} {} left before its answer was written ({})", in.method(), in.uri(), f.cause().toString());
      }
      if (!f.isSuccess() || !keepAlive) {
        ctx.close();
        return;
      }
      busy = false;
      Incoming next = pending.poll();
      if (next != null) {
        handle(ctx, next);
      } else {
        ctx.channel().config().setAutoRead(true);
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && !busy) {
      LOG.debug("closing idle connection {}", ctx.channel().remoteAddress());
      server.metrics().connectionClosed("idle_timeout");
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) { // the peer reset or broke the connection: nothing to answer, nothing wrong here
      LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      LOG.warn("unexpected failure on connection {}; closing it", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }
}
