package dev.tandem.ps.shard;

import dev.tandem.ps.shard.ShardWire.Message;
import dev.tandem.ps.shard.ShardWire.Type;
import dev.tandem.trainer.embedding.ShardFailedException;
import dev.tandem.trainer.embedding.ShardRouting;
import dev.tandem.trainer.embedding.ShardUnavailableException;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import dev.tandem.trainer.embedding.TableStats;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.Header;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A {@link ShardedStore} on {@link ShardServer}s over Aeron UDP: an embedded media driver of its own, one publication
 * per shard and one subscription for every shard's replies. Each call splits its ids by shard, sends to every shard
 * at once, then waits for every reply and puts the rows back in the caller's order.
 *
 * <p>Pushes are acknowledged; with {@code staleness} s > 0 a push returns without waiting for its acknowledgements, and
 * the push of step t waits only for those of steps up to t - s. A shard serves one client's requests in order, so a
 * pull always sees every earlier push of the same client.
 *
 * <p>A shard that does not answer within the request timeout, or whose connection is lost, raises
 * {@link ShardUnavailableException}; a shard that answers with an error raises {@link ShardFailedException}. Either
 * way the store refuses every later call ({@link IllegalStateException}).
 */
public final class AeronShardedStore implements ShardedStore {
  private static final Logger LOG = LogManager.getLogger(AeronShardedStore.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** A client's settings, checked together by {@link #conclude()}. */
  public static final class Context {
    private List<String> shards = List.of();
    private String replyHost = "127.0.0.1";
    private int replyPort = 0;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int staleness = 0;
    private int termBufferLength = 4 << 20;
    private String aeronDirectory = "/dev/shm";
    private String run = "";

    /** The shards' addresses (host:port), in shard order: every worker must list them in the same order. */
    public Context shards(List<String> hostPorts) {
      this.shards = List.copyOf(hostPorts);
      return this;
    }

    /** The address the shards reply to (default 127.0.0.1; must be reachable from the shards). */
    public Context replyHost(String host) {
      this.replyHost = host;
      return this;
    }

    /** The UDP port replies arrive on (default 0: a free port chosen on the reply host). */
    public Context replyPort(int port) {
      this.replyPort = port;
      return this;
    }

    /** How long a request may wait for its answer (default 30 s). */
    public Context requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** Steps whose pushes may be unacknowledged (default 0: a push waits for every shard's acknowledgement). */
    public Context staleness(int steps) {
      this.staleness = steps;
      return this;
    }

    /** Term length of the request publications, a power of two from 64 KB to 1 GB (default 4 MB; requests are chunked to length / 8). */
    public Context termBufferLength(int bytes) {
      this.termBufferLength = bytes;
      return this;
    }

    /** Where the driver's directory goes (default /dev/shm); the client uses its own subdirectory and deletes it. */
    public Context aeronDirectory(String parent) {
      this.aeronDirectory = parent;
      return this;
    }

    /**
     * The training run (one session of it) this client trains (default: the empty run). A shard holds the tables of one
     * run: the first client of another run, once no client of the held one is connected, starts it on fresh tables
     * (so a new run never trains on the rows of the last one); while one is connected, it is refused.
     */
    public Context run(String run) {
      this.run = run == null ? "" : run;
      return this;
    }

    public List<String> shards() {
      return shards;
    }

    public Duration requestTimeout() {
      return requestTimeout;
    }

    public int staleness() {
      return staleness;
    }

    /**
     * Checks every setting, naming the first that is wrong.
     *
     * @throws IllegalArgumentException naming the setting
     */
    public Context conclude() {
      if (shards.isEmpty()) {
        throw new IllegalArgumentException("shards: at least one shard address (host:port) is needed");
      }
      for (int i = 0; i < shards.size(); i++) {
        String s = shards.get(i);
        int c = s.lastIndexOf(':');
        int port;
        try {
          port = c < 1 ? -1 : Integer.parseInt(s.substring(c + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("shards[" + i + "]: '" + s + "' is not host:port");
        }
        if (shards.indexOf(s) != i) {
          throw new IllegalArgumentException("shards[" + i + "]: " + s + " is listed twice");
        }
      }
      try {
        InetAddress.getByName(replyHost);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("replyHost: '" + replyHost + "' does not resolve");
      }
      if (replyPort < 0 || replyPort > 65535) {
        throw new IllegalArgumentException("replyPort: " + replyPort + " is not a UDP port (0: any free one)");
      }
      if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout: must be positive, was " + requestTimeout);
      }
      if (staleness < 0) {
        throw new IllegalArgumentException("staleness: must be >= 0, was " + staleness);
      }
      ShardServer.checkTermLength(termBufferLength);
      ShardServer.checkDirectory(aeronDirectory);
      return this;
    }
  }

  /** A request waiting for its reply. */
  private abstract static class Pending {
    final int shard;
    final Type expect;
    final String what;
    final long deadlineNs;
    boolean done;

    Pending(int shard, Type expect, String what, long deadlineNs) {
      this.shard = shard;
      this.expect = expect;
      this.what = what;
      this.deadlineNs = deadlineNs;
    }

    /** Takes the reply; returns a problem with it, or null. */
    abstract String complete(Message m);
  }

  private static final class RowsPending extends Pending {
    final int[] positions;
    final float[] out;
    final int dim;

    RowsPending(int shard, String what, long deadlineNs, int[] positions, float[] out, int dim) {
      super(shard, Type.ROWS, what, deadlineNs);
      this.positions = positions;
      this.out = out;
      this.dim = dim;
    }

    @Override
    String complete(Message m) {
      if (m.width != dim || m.n != positions.length) {
        return "answered " + m.n + " rows of width " + m.width + " for " + positions.length + " ids of width " + dim;
      }
      for (int j = 0; j < positions.length; j++) {
        System.arraycopy(m.floats, j * dim, out, positions[j] * dim, dim);
      }
      return null;
    }
  }

  private static final class AckPending extends Pending {
    final long step;

    AckPending(int shard, String what, long deadlineNs, long step) {
      super(shard, Type.ACK, what, deadlineNs);
      this.step = step;
    }

    @Override
    String complete(Message m) {
      return null;
    }
  }

  private static final class BodyPending extends Pending {
    Message reply;

    BodyPending(int shard, Type expect, String what, long deadlineNs) {
      super(shard, expect, what, deadlineNs);
    }

    @Override
    String complete(Message m) {
      reply = m;
      return null;
    }
  }

  private final Context ctx;
  private final List<TableSpec> specs;
  private final List<String> addresses;
  private final String dir;
  private final MediaDriver driver;
  private final Aeron aeron;
  private final ExclusivePublication[] publications;
  private final Subscription replies;
  private final FragmentAssembler fragments;
  private final ShardWire.Assembler assembler = new ShardWire.Assembler();
  private final UnsafeBuffer sendBuffer;
  private final int maxMessage;
  private final long timeoutNs;
  private final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
  /** Requests waiting for replies, oldest first. */
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final List<AckPending> pushes = new ArrayList<>();
  private final String replyAddress;
  private long nextRequest = 1;
  private RuntimeException failure;
  private boolean closed;

  private AeronShardedStore(Context ctx, List<TableSpec> specs) {
    this.ctx = ctx;
    this.specs = List.copyOf(specs);
    this.addresses = ctx.shards;
    this.timeoutNs = ctx.requestTimeout.toNanos();
    this.maxMessage = ctx.termBufferLength / 8;
    this.sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(maxMessage));
    ShardServer.removeStale(Path.of(ctx.aeronDirectory));
    this.dir = Path.of(ctx.aeronDirectory)
        .resolve(ShardServer.DIR_PREFIX + "client_" + INSTANCES.incrementAndGet() + "-" + ProcessHandle.current().pid()).toString();
    MediaDriver d = null;
    Aeron a = null;
    try {
      d = MediaDriver.launch(ShardServer.driverContext(dir, ctx.termBufferLength));
      a = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
      // Every shard answers on this one socket at once: each one's flow-control window must fit the socket's buffer
      // together with the others', or UDP drops replies faster than NAKs recover them (a 4-shard fill of 16 MB pulls
      // stalled for good with Aeron's 128 KB windows over Linux's default 208 KB buffer).
      int window = receiverWindow(addresses.size());
      Subscription sub = a.addSubscription("aeron:udp?endpoint=" + ctx.replyHost + ":" + ctx.replyPort + "|so-rcvbuf=" + REPLY_SOCKET_BUFFER
          + "|rcv-wnd=" + window, ShardServer.REPLY_STREAM);
      this.replyAddress = resolvedReplyAddress(sub);
      this.replies = sub;
      this.publications = new ExclusivePublication[addresses.size()];
      for (int i = 0; i < publications.length; i++) {
        publications[i] = a.addExclusivePublication("aeron:udp?endpoint=" + addresses.get(i) + "|term-length=" + ctx.termBufferLength,
            ShardServer.REQUEST_STREAM);
      }
    } catch (RuntimeException e) {
      CloseHelper.quietCloseAll(a, d);
      ShardServer.deleteTree(Path.of(dir));
      throw e;
    }
    this.driver = d;
    this.aeron = a;
    this.fragments = new FragmentAssembler(this::onFragment);
  }

  /**
   * Connects to every shard and opens the tables there (the first client to open a shard creates them; later ones must
   * name the same tables).
   *
   * @param specs the tables; a table's capacity applies to each shard
   * @return the store, owned by the caller (close it)
   * @throws IllegalArgumentException    naming a setting that is wrong
   * @throws ShardUnavailableException   when a shard does not connect or answer within the request timeout
   * @throws ShardFailedException        when a shard refuses the tables (they differ from those it holds)
   */
  public static AeronShardedStore connect(Context ctx, List<TableSpec> specs) {
    ctx.conclude();
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("no tables");
    }
    AeronShardedStore s = new AeronShardedStore(ctx, specs);
    try {
      s.open();
    } catch (RuntimeException e) {
      s.closeQuietly();
      throw e;
    }
    return s;
  }

  private String resolvedReplyAddress(Subscription sub) {
    long deadline = System.nanoTime() + timeoutNs;
    while (true) {
      String ep = sub.resolvedEndpoint();
      if (ep != null) {
        return ep;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the reply subscription on " + ctx.replyHost + ":" + ctx.replyPort + " did not bind");
      }
      idle.idle();
    }
  }

  private void open() {
    long deadline = System.nanoTime() + timeoutNs;
    for (int i = 0; i < publications.length; i++) {
      while (!publications[i].isConnected()) {
        if (System.nanoTime() > deadline) {
          throw fail(new ShardUnavailableException(i, addresses.get(i),
              "not reachable within " + ctx.requestTimeout + " (is a parameter-server shard listening there?)", null));
        }
        idle.idle();
      }
      idle.reset();
    }
    List<ShardControl.Table> tables = ShardControl.tables(specs);
    List<Pending> ps = new ArrayList<>();
    for (int i = 0; i < publications.length; i++) {
      byte[] body = ShardControl.write(new ShardControl.Open(replyAddress, i, publications.length, tables, ctx.run));
      ps.add(send(i, Message.of(Type.OPEN, 0).bytes(body), new BodyPending(i, Type.ACK, "OPEN (the shard answers on " + replyAddress + ")", deadline())));
    }
    await(ps);
    LOG.info("embedding tables {} open on {} parameter-server shards {}", specs.stream().map(TableSpec::name).toList(),
        addresses.size(), addresses);
  }

  @Override
  public List<TableSpec> tables() {
    return specs;
  }

  @Override
  public int shards() {
    return addresses.size();
  }

  @Override
  public void pull(int table, long step, long[] ids, int[] counts, int n, float[] out) {
    rowsRequest(Type.PULL, table, step, ids, counts, n, out);
  }

  @Override
  public void lookup(int table, long[] ids, int n, float[] out) {
    rowsRequest(Type.LOOKUP, table, 0, ids, null, n, out);
  }

  private void rowsRequest(Type type, int table, long step, long[] ids, int[] counts, int n, float[] out) {
    usable();
    TableSpec spec = spec(table);
    int[][] byShard = split(table, spec, ids, n);
    List<Pending> ps = new ArrayList<>(byShard.length);
    for (int s = 0; s < byShard.length; s++) {
      int[] pos = byShard[s];
      if (pos.length == 0) {
        continue;
      }
      Message m = Message.of(type, 0).table(table).step(step);
      m.n = pos.length;
      m.ids = new long[pos.length];
      if (counts != null) {
        m.counts = new int[pos.length];
      }
      for (int j = 0; j < pos.length; j++) {
        m.ids[j] = ids[pos[j]];
        if (counts != null) {
          m.counts[j] = counts[pos[j]];
        }
      }
      ps.add(send(s, m, new RowsPending(s, type + " of table " + spec.name() + " at step " + step, deadline(), pos, out, spec.dim())));
    }
    await(ps);
  }

  @Override
  public void push(int table, long step, long[] ids, int n, float[] gradients, double learningRate) {
    usable();
    TableSpec spec = spec(table);
    int dim = spec.dim();
    int[][] byShard = split(table, spec, ids, n);
    for (int s = 0; s < byShard.length; s++) {
      int[] pos = byShard[s];
      if (pos.length == 0) {
        continue;
      }
      Message m = Message.of(Type.PUSH, 0).table(table).step(step);
      m.learningRate = learningRate;
      m.width = dim;
      m.n = pos.length;
      m.ids = new long[pos.length];
      m.floats = new float[pos.length * dim];
      for (int j = 0; j < pos.length; j++) {
        m.ids[j] = ids[pos[j]];
        System.arraycopy(gradients, pos[j] * dim, m.floats, j * dim, dim);
      }
      pushes.add((AckPending) send(s, m, new AckPending(s, "PUSH of table " + spec.name() + " at step " + step, deadline(), step)));
    }
    awaitPushes(step - ctx.staleness);
  }

  /** Waits for the acknowledgements of every push of a step up to {@code upTo}. */
  private void awaitPushes(long upTo) {
    List<Pending> due = new ArrayList<>();
    for (AckPending p : pushes) {
      if (p.step <= upTo) {
        due.add(p);
      }
    }
    if (!due.isEmpty()) {
      await(due);
    }
    pushes.removeIf(p -> p.done);
  }

  @Override
  public TableStats stats(int table) {
    spec(table);
    List<ShardControl.Stats> all = statsOfShards();
    TableSpec spec = specs.get(table);
    long rows = 0;
    long allocated = 0;
    long bytes = 0;
    long admitted = 0;
    long evicted = 0;
    long refused = 0;
    long dropped = 0;
    for (ShardControl.Stats s : all) {
      TableStats t = s.tables().get(table);
      rows += t.rows();
      allocated += t.allocatedRows();
      bytes += t.bytes();
      admitted += t.admitted();
      evicted += t.evicted();
      refused += t.refused();
      dropped += t.droppedGradients();
    }
    return new TableStats(spec.name(), rows, allocated, bytes, spec.idealBytesPerRow(), admitted, evicted, refused, dropped);
  }

  @Override
  public List<ShardStats> shardStats() {
    List<ShardControl.Stats> all = statsOfShards();
    List<ShardStats> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      ShardControl.Stats s = all.get(i);
      out.add(new ShardStats(i, addresses.get(i), s.tables(), s.requests(), s.rowsPulled(), s.rowsPushed(), s.bytesIn(), s.bytesOut(),
          s.uptimeMs(), s.serviceCpuNanos(), s.processCpuNanos()));
    }
    return out;
  }

  private List<ShardControl.Stats> statsOfShards() {
    usable();
    List<BodyPending> ps = new ArrayList<>();
    for (int s = 0; s < publications.length; s++) {
      ps.add((BodyPending) send(s, Message.of(Type.STATS, 0), new BodyPending(s, Type.STATS_REPLY, "STATS", deadline())));
    }
    await(new ArrayList<>(ps));
    List<ShardControl.Stats> out = new ArrayList<>();
    for (BodyPending p : ps) {
      ShardControl.Stats st = ShardControl.read(p.reply.bytes, p.reply.n, ShardControl.Stats.class);
      if (st.tables().size() != specs.size()) {
        throw fail(new ShardFailedException(p.shard, addresses.get(p.shard), "reported " + st.tables().size() + " tables, " + specs.size()
            + " open"));
      }
      out.add(st);
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each shard writes {@code <dirUri>/embeddings-part-<shard>-of-<shards>[.delta].bin} itself (so every shard must
   * reach {@code dirUri}: a shared file system such as HDFS when shards run on other machines). Writing may take up to
   * ten request timeouts; a shard whose connection is lost meanwhile is reported at once.
   */
  @Override
  public List<PartFile> checkpoint(String dirUri, long step, boolean delta) {
    usable();
    awaitPushes(Long.MAX_VALUE); // the barrier: every push issued so far is applied (a shard serves requests in order)
    byte[] body = ShardControl.write(new ShardControl.Checkpoint(dirUri, step, delta));
    List<BodyPending> ps = new ArrayList<>();
    for (int s = 0; s < publications.length; s++) {
      ps.add((BodyPending) send(s, Message.of(Type.CHECKPOINT, 0).step(step).bytes(body),
          new BodyPending(s, Type.PART, "CHECKPOINT at step " + step + " into " + dirUri, slowDeadline())));
    }
    await(new ArrayList<>(ps));
    List<PartFile> out = new ArrayList<>();
    for (BodyPending p : ps) {
      ShardControl.Part part = ShardControl.read(p.reply.bytes, p.reply.n, ShardControl.Part.class);
      out.add(new PartFile(part.uri(), p.shard, publications.length, delta, part.bytes(), part.sha256()));
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Every shard reads every part (so every shard must reach them); may take up to ten request timeouts.
   */
  @Override
  public void restore(List<PartFile> parts) {
    usable();
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a restore needs the parts of a checkpoint, none given");
    }
    awaitPushes(Long.MAX_VALUE);
    byte[] body = ShardControl.write(new ShardControl.Restore(List.copyOf(parts)));
    List<Pending> ps = new ArrayList<>();
    for (int s = 0; s < publications.length; s++) {
      ps.add(send(s, Message.of(Type.RESTORE, 0).bytes(body), new BodyPending(s, Type.ACK, "RESTORE of " + parts.size() + " parts",
          slowDeadline())));
    }
    await(ps);
  }

  /** The deadline of checkpoints and restores, which read or write every row. */
  private long slowDeadline() {
    return System.nanoTime() + 10 * timeoutNs;
  }

  /**
   * Waits for every unacknowledged push, tells every shard this client leaves, and stops the driver. Idempotent; a
   * failure while leaving is logged, not thrown.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (failure == null) {
      try {
        awaitPushes(Long.MAX_VALUE);
        List<Pending> ps = new ArrayList<>();
        for (int s = 0; s < publications.length; s++) {
          ps.add(send(s, Message.of(Type.CLOSE, 0), new BodyPending(s, Type.ACK, "CLOSE", deadline())));
        }
        await(ps);
      } catch (RuntimeException e) {
        LOG.warn("closing the sharded embedding store: {}", e.getMessage());
      }
    }
    closeQuietly();
  }

  /** The reply socket's receive buffer asked of the OS (capped by net.core.rmem_max; 4 MB on common Linux set-ups). */
  static final int REPLY_SOCKET_BUFFER = 4 << 20;

  /** Each shard's share of the reply socket's buffer, with room to spare: a power of two from 32 KB to 1 MB. */
  static int receiverWindow(int shards) {
    int w = Integer.highestOneBit(Math.max(1, REPLY_SOCKET_BUFFER / (2 * Math.max(1, shards))));
    return Math.max(32 << 10, Math.min(1 << 20, w));
  }

  private void closeQuietly() {
    closed = true;
    CloseHelper.quietCloseAll(aeron, driver);
    ShardServer.deleteTree(Path.of(dir));
  }

  private TableSpec spec(int table) {
    if (table < 0 || table >= specs.size()) {
      throw new IndexOutOfBoundsException("no table " + table + ": " + specs.size() + " open");
    }
    return specs.get(table);
  }

  private void usable() {
    if (closed) {
      throw new IllegalStateException("the sharded embedding store is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("the sharded embedding store is unusable since: " + failure.getMessage(), failure);
    }
  }

  /** Positions of ids[0..n) per shard, in the caller's order; checks every id first so a bad one sends nothing. */
  private int[][] split(int table, TableSpec spec, long[] ids, int n) {
    int shards = publications.length;
    int[] shardOf = new int[n];
    int[] sizes = new int[shards];
    for (int i = 0; i < n; i++) {
      long id = ids[i];
      if (id < 0 || id >= spec.idSpace()) {
        throw new IllegalArgumentException("table " + spec.name() + ": id " + id + " outside [0, " + spec.idSpace() + ")");
      }
      int s = ShardRouting.shardOf(table, id, shards);
      shardOf[i] = s;
      sizes[s]++;
    }
    int[][] out = new int[shards][];
    for (int s = 0; s < shards; s++) {
      out[s] = new int[sizes[s]];
      sizes[s] = 0;
    }
    for (int i = 0; i < n; i++) {
      int s = shardOf[i];
      out[s][sizes[s]++] = i;
    }
    return out;
  }

  private long deadline() {
    return System.nanoTime() + timeoutNs;
  }

  /** Registers {@code p} under a new request id and sends {@code m} to shard {@code s} in chunks. */
  private Pending send(int s, Message m, Pending p) {
    m.requestId = nextRequest++;
    pending.put(m.requestId, p);
    ShardWire.encode(m, sendBuffer, maxMessage, (buf, len) -> offer(s, p, buf, len));
    return p;
  }

  private void offer(int s, Pending p, DirectBuffer buf, int len) {
    ExclusivePublication pub = publications[s];
    while (true) {
      long r = pub.offer(buf, 0, len);
      if (r > 0) {
        idle.reset();
        return;
      }
      if (r == Publication.NOT_CONNECTED || r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
        throw fail(new ShardUnavailableException(s, addresses.get(s), p.what + ": not connected (the shard stopped or cannot be reached)",
            null));
      }
      // back pressure: take replies meanwhile, or a shard blocked on replying to us could never take our request
      int work = replies.poll(fragments, 64);
      checkFailure();
      if (work == 0) {
        checkDeadlines();
      }
      idle.idle(work);
    }
  }

  private void await(List<? extends Pending> ps) {
    int i = 0;
    while (true) {
      checkFailure();
      while (i < ps.size() && ps.get(i).done) {
        i++;
      }
      if (i == ps.size()) {
        idle.reset();
        return;
      }
      int work = replies.poll(fragments, 64);
      if (work == 0) {
        checkDeadlines();
      }
      idle.idle(work);
    }
  }

  private void checkFailure() {
    if (failure != null) {
      throw failure;
    }
  }

  private void checkDeadlines() {
    long now = System.nanoTime();
    for (Pending p : pending.values()) {
      if (!publications[p.shard].isConnected()) {
        throw fail(new ShardUnavailableException(p.shard, addresses.get(p.shard), p.what + ": connection lost (the shard stopped?)", null));
      }
      if (now - p.deadlineNs > 0) {
        // a shard restarted on its port answers nothing to a worker that did not open it (it knows no reply address):
        // that shows here as silence, so the message says so
        throw fail(new ShardUnavailableException(p.shard, addresses.get(p.shard), p.what + ": no answer within " + seconds(ctx.requestTimeout)
            + " (the shard is stuck or overloaded, or it was restarted and ignores workers connected before)", null));
      }
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private RuntimeException fail(RuntimeException e) {
    if (failure == null) {
      failure = e;
      LOG.error("sharded embedding store failed: {}", e.getMessage());
    }
    return e;
  }

  private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
    Message m;
    try {
      m = assembler.onChunk(header.sessionId(), buffer, offset, length);
    } catch (IllegalArgumentException e) {
      long id = length >= 16 ? ShardWire.requestId(buffer, offset) : -1;
      Pending p = pending.get(id);
      int s = p == null ? -1 : p.shard;
      fail(new ShardFailedException(s, s < 0 ? "?" : addresses.get(s), "malformed reply: " + e.getMessage()));
      return;
    }
    if (m == null) {
      return;
    }
    Pending p = pending.remove(m.requestId);
    if (p == null) {
      LOG.warn("reply {} to request {} that is not waiting: ignored", m.type, m.requestId);
      return;
    }
    p.done = true;
    String addr = addresses.get(p.shard);
    if (m.type == Type.ERROR) {
      fail(new ShardFailedException(p.shard, addr, p.what + ": " + m.text()));
      return;
    }
    if (m.type != p.expect) {
      fail(new ShardFailedException(p.shard, addr, p.what + ": answered " + m.type + ", " + p.expect + " expected"));
      return;
    }
    String problem = p.complete(m);
    if (problem != null) {
      fail(new ShardFailedException(p.shard, addr, p.what + ": " + problem));
    }
  }
}
