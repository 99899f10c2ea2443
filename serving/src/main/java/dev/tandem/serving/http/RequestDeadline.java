package dev.tandem.serving.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The read timeout of one connection: once the first byte of a request arrives, the whole request (line, headers, body)
 * must follow within the timeout, or the connection is closed. A client that sends a request line and never finishes its
 * headers holds a socket for that long and no thread at all. Sits in front of the HTTP decoder, so it sees bytes, not
 * requests; the request handler calls {@link #requestComplete} when a whole request has been decoded. Bytes that arrive
 * after that start the clock for the next request; a connection that sends nothing is the idle timeout's business.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LogManager.getLogger(RequestDeadline.class);
  private final long timeoutNanos;
  private final ServingMetrics metrics;
  private ScheduledFuture<?> timer; // touched only on the channel's event loop

  RequestDeadline(Duration timeout, ServingMetrics metrics) {
    this.timeoutNanos = timeout.toNanos();
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (timer == null && msg instanceof ByteBuf b && b.isReadable()) {
      timer = ctx.executor().schedule(() -> {
        LOG.debug("closing {}: no complete request within {} ms of its first byte", ctx.channel().remoteAddress(), timeoutNanos / 1_000_000);
        metrics.connectionClosed("read_timeout");
        ctx.close();
      }, timeoutNanos, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /** A whole request has arrived: stop the clock. */
  void requestComplete() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    requestComplete();
    ctx.fireChannelInactive();
  }
}
