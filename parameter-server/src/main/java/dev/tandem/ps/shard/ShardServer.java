package dev.tandem.ps.shard;

import dev.tandem.ps.AeronNode;
import dev.tandem.ps.shard.ShardWire.Message;
import dev.tandem.ps.shard.ShardWire.Type;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.ps.StartupException;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import dev.tandem.trainer.embedding.TableStats;
import dev.tandem.trainer.train.Throughput;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.RegistrationException;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One parameter-server shard: an embedded Aeron media driver of its own, a subscription on
 * {@code aeron:udp?endpoint=HOST:PORT}, and an {@link InProcessEmbeddingStore} holding the rows routed to this shard.
 * Requests are served in arrival order on one thread; each client is answered on a publication to the reply address it
 * named in its OPEN. The first OPEN creates the tables; a later OPEN (another worker) must name the same tables, shard
 * index and shard count, or it is refused with an ERROR naming the difference.
 *
 * <p>A table's {@code capacity} (and its admission sketch) is per shard: a table of capacity C over S shards holds up
 * to S x C rows in all, and ids are admitted by the sightings each shard sees of its own ids.
 *
 * <p>Launch with {@link #launch(Context)}; {@link #close()} (idempotent) stops the thread, the driver, and deletes the
 * driver's directory.
 */
public final class ShardServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ShardServer.class);
  /** Stream of requests (clients to shards). */
  static final int REQUEST_STREAM = 0x7350;
  /** Stream of replies (shards to clients). */
  static final int REPLY_STREAM = 0x7351;
  static final String DIR_PREFIX = "tandem-aeron-ps-";
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** A shard's settings, checked together by {@link #conclude()}. */
  public static final class Context {
    private String host = "127.0.0.1";
    private int port = -1;
    private String aeronDirectory = "/dev/shm";
    private int termBufferLength = 4 << 20;
    private IdleStrategy idleStrategy = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
    private Clock clock = Clock.systemUTC();
    private Duration replyTimeout = Duration.ofSeconds(10);

    /** The address to listen on (default 127.0.0.1). */
    public Context host(String host) {
      this.host = host;
      return this;
    }

    /** The UDP port to listen on (required). */
    public Context port(int port) {
      this.port = port;
      return this;
    }

    /** Where the driver's directory goes (default /dev/shm); the shard uses its own subdirectory and deletes it. */
    public Context aeronDirectory(String parent) {
      this.aeronDirectory = parent;
      return this;
    }

    /** Term length of the reply publications, a power of two from 64 KB to 1 GB (default 4 MB; replies are chunked to length / 8). */
    public Context termBufferLength(int bytes) {
      this.termBufferLength = bytes;
      return this;
    }

    /** How the request thread waits when there is nothing to do. */
    public Context idleStrategy(IdleStrategy idle) {
      this.idleStrategy = idle;
      return this;
    }

    /** The clock of uptime. */
    public Context clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** How long a reply may wait for a client to make room (back pressure) or connect before the client is dropped. */
    public Context replyTimeout(Duration d) {
      this.replyTimeout = d;
      return this;
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }

    public String aeronDirectory() {
      return aeronDirectory;
    }

    public int termBufferLength() {
      return termBufferLength;
    }

    /**
     * Checks every setting, naming the first that is wrong.
     *
     * @throws IllegalArgumentException naming the setting
     */
    public Context conclude() {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " is not a UDP port (1..65535)");
      }
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host: empty");
      }
      try {
        InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("host: '" + host + "' does not resolve");
      }
      checkDirectory(aeronDirectory);
      checkTermLength(termBufferLength);
      if (idleStrategy == null || clock == null) {
        throw new IllegalArgumentException("idleStrategy and clock must be set");
      }
      if (replyTimeout == null || replyTimeout.isNegative() || replyTimeout.isZero()) {
        throw new IllegalArgumentException("replyTimeout: must be positive, was " + replyTimeout);
      }
      return this;
    }
  }

  static void checkDirectory(String dir) {
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      throw new IllegalArgumentException("aeron directory: " + dir + " is not a directory (Aeron keeps its buffers there; /dev/shm on Linux)");
    }
  }

  static void checkTermLength(int bytes) {
    if (bytes < 64 * 1024 || bytes > 1 << 30 || Integer.bitCount(bytes) != 1) {
      throw new IllegalArgumentException("term buffer length: " + bytes + " bytes is not a power of two from 64 KB to 1 GB");
    }
  }

  /** One connected client. */
  private static final class Client {
    final int session;
    final String reply;
    final ExclusivePublication publication;
    String run = "";

    Client(int session, String reply, ExclusivePublication publication) {
      this.session = session;
      this.reply = reply;
      this.publication = publication;
    }
  }

  /** The run whose tables the store holds. */
  private String run = "";

  private final Context ctx;
  private final String address;
  private final String dir;
  private final MediaDriver driver;
  private final Aeron aeron;
  private final Subscription subscription;
  private final FragmentAssembler fragments;
  private final ShardWire.Assembler assembler = new ShardWire.Assembler();
  private final Map<Integer, Client> clients = new HashMap<>();
  private final ConcurrentLinkedQueue<Integer> goneSessions = new ConcurrentLinkedQueue<>();
  private final UnsafeBuffer sendBuffer;
  private final int maxMessage;
  private final long startMs;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private InProcessEmbeddingStore store;
  private List<TableSpec> specs;
  private volatile int shard = -1;
  private volatile int shards;
  private float[] rows = new float[0];
  private volatile long requests;
  private volatile long rowsPulled;
  private volatile long rowsPushed;
  private volatile long bytesIn;
  private volatile long bytesOut;
  private volatile long serviceCpuNanos;
  /** The request thread's CPU clock: what handling messages costs, apart from idle polling. */
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private volatile List<TableStats> tableStats = List.of();
  private long statsAt;
  private volatile Throwable crash;

  private ShardServer(Context ctx) {
    this.ctx = ctx;
    this.address = ctx.host + ":" + ctx.port;
    this.maxMessage = ctx.termBufferLength / 8;
    this.sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(maxMessage));
    this.startMs = ctx.clock.millis();
    removeStale(Path.of(ctx.aeronDirectory));
    this.dir = Path.of(ctx.aeronDirectory)
        .resolve(DIR_PREFIX + "shard" + ctx.port + "_" + INSTANCES.incrementAndGet() + "-" + ProcessHandle.current().pid()).toString();
    MediaDriver d = null;
    Aeron a = null;
    try {
      d = MediaDriver.launch(driverContext(dir, ctx.termBufferLength));
      a = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
      String channel = "aeron:udp?endpoint=" + address;
      try {
        this.subscription = a.addSubscription(channel, REQUEST_STREAM, image -> { }, image -> goneSessions.add(image.sessionId()));
      } catch (RegistrationException e) {
        throw new StartupException("port: UDP port " + ctx.port + " on " + ctx.host + " is taken or cannot be bound (another shard or"
            + " program uses it?): " + e.getMessage(), e);
      }
    } catch (RuntimeException e) {
      CloseHelper.quietCloseAll(a, d);
      deleteTree(Path.of(dir));
      throw e;
    }
    this.driver = d;
    this.aeron = a;
    this.fragments = new FragmentAssembler(this::onFragment);
    this.thread = new Thread(this::run, "ps-shard-" + ctx.port);
  }

  /**
   * Starts a shard: its media driver, its subscription and its request thread.
   *
   * @throws IllegalArgumentException naming a setting that is wrong
   * @throws StartupException when the port is taken or cannot be bound
   * @throws io.aeron.exceptions.AeronException when the media driver cannot start
   */
  public static ShardServer launch(Context ctx) {
    ctx.conclude();
    ShardServer s = new ShardServer(ctx);
    s.thread.start();
    LOG.info("parameter-server shard listening on {} (Aeron directory {})", s.address, s.dir);
    return s;
  }

  static MediaDriver.Context driverContext(String dir, int termLength) {
    return new MediaDriver.Context()
        .aeronDirectoryName(dir)
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .threadingMode(ThreadingMode.SHARED)
        // the driver's default parks up to 1 ms when idle, on each of the four hops of a request and its reply
        .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))
        .termBufferSparseFile(true)
        .publicationTermBufferLength(termLength)
        .ipcTermBufferLength(64 * 1024);
  }

  /** Where the shard listens, host:port. */
  public String address() {
    return address;
  }

  /** The shard's Aeron directory (deleted on close). */
  public String aeronDirectory() {
    return dir;
  }

  /** Whether the request thread runs. */
  public boolean running() {
    return running.get() && thread.isAlive();
  }

  /** Waits until the shard stops (closed, or its request thread died). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /**
   * The shard's load so far (its tables as of at most 200 ms ago; shard index -1 until a client opened it). Safe from
   * any thread.
   */
  public ShardedStore.ShardStats stats() {
    return new ShardedStore.ShardStats(shard, address, tableStats, requests, rowsPulled, rowsPushed, bytesIn, bytesOut,
        ctx.clock.millis() - startMs, serviceCpuNanos, Throughput.processCpuNanos());
  }

  /** What a STATS request answers. */
  private ShardControl.Stats wireStats() {
    return new ShardControl.Stats(shard, tableStats, requests, rowsPulled, rowsPushed, bytesIn, bytesOut, ctx.clock.millis() - startMs,
        serviceCpuNanos, Throughput.processCpuNanos());
  }

  /** One line of stats for logs and the console. */
  public String statsLine() {
    ShardedStore.ShardStats s = stats();
    return String.format("shard %s at %s: %d rows (%.1f MB), %d requests, %d rows pulled, %d pushed, %.1f MB in, %.1f MB out, up %d s,"
            + " CPU %.1f s serving requests (%.1f s in all)",
        s.shard() < 0 ? "-" : s.shard() + "/" + shards, address, s.rows(), s.bytes() / 1e6, s.requests(), s.rowsPulled(), s.rowsPushed(),
        s.bytesIn() / 1e6, s.bytesOut() / 1e6, s.uptimeMs() / 1000, s.serviceCpuNanos() / 1e9, s.processCpuNanos() / 1e9);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running.set(false);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    CloseHelper.quietCloseAll(aeron, driver);
    deleteTree(Path.of(dir));
    LOG.info("parameter-server shard at {} stopped", address);
  }

  private void run() {
    IdleStrategy idle = ctx.idleStrategy;
    try {
      while (running.get()) {
        int work = subscription.poll(fragments, 64);
        Integer gone;
        while ((gone = goneSessions.poll()) != null) {
          drop(gone, "its connection closed");
        }
        long now = ctx.clock.millis();
        if (store != null && now - statsAt >= 200) {
          tableStats = store.stats();
          statsAt = now;
        }
        idle.idle(work);
      }
    } catch (Throwable t) {
      crash = t;
      LOG.error("parameter-server shard at {} stopped on an error", address, t);
    } finally {
      running.set(false);
      stopped.countDown();
    }
  }

  private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
    long cpu = threads.getCurrentThreadCpuTime();
    try {
      serve(buffer, offset, length, header);
    } finally {
      serviceCpuNanos += threads.getCurrentThreadCpuTime() - cpu;
    }
  }

  private void serve(DirectBuffer buffer, int offset, int length, Header header) {
    bytesIn += length;
    int session = header.sessionId();
    Message m;
    try {
      m = assembler.onChunk(session, buffer, offset, length);
    } catch (IllegalArgumentException e) {
      long requestId = length >= 16 ? ShardWire.requestId(buffer, offset) : -1;
      LOG.warn("bad message from session {}: {}", session, e.getMessage());
      reply(session, error(requestId, e.getMessage()));
      return;
    }
    if (m == null) {
      return;
    }
    requests++;
    if (m.type == Type.OPEN) {
      open(session, m);
      return;
    }
    if (!clients.containsKey(session)) {
      LOG.warn("{} request {} from session {} that did not OPEN: ignored", m.type, m.requestId, session);
      return;
    }
    Message r;
    try {
      r = handle(session, m);
    } catch (RuntimeException e) {
      LOG.warn("{} request {} failed: {}", m.type, m.requestId, e.toString());
      r = error(m.requestId, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    if (r != null) {
      reply(session, r);
    }
    if (m.type == Type.CLOSE) {
      drop(session, "it closed");
    }
  }

  private Message handle(int session, Message m) {
    switch (m.type) {
      case PULL, LOOKUP -> {
        int dim = table(m).dim();
        ensureRows(m.n * dim);
        if (m.type == Type.PULL) {
          store.pull(m.table, m.step, m.ids, m.counts, m.n, rows);
        } else {
          store.lookup(m.table, m.ids, m.n, rows);
        }
        rowsPulled += m.n;
        Message r = Message.of(Type.ROWS, m.requestId).table(m.table).step(m.step);
        r.width = dim;
        r.n = m.n;
        r.floats = rows;
        return r;
      }
      case PUSH -> {
        int dim = table(m).dim();
        if (m.width != dim) {
          throw new IllegalArgumentException("table " + m.table + " (" + specs.get(m.table).name() + "): gradients of width " + m.width
              + ", rows are " + dim + " wide");
        }
        store.push(m.table, m.step, m.ids, m.n, m.floats, m.learningRate);
        rowsPushed += m.n;
        return Message.of(Type.ACK, m.requestId).step(m.step);
      }
      case STATS -> {
        tableStats = store.stats();
        statsAt = ctx.clock.millis();
        return Message.of(Type.STATS_REPLY, m.requestId).bytes(ShardControl.write(wireStats()));
      }
      case CLOSE -> {
        return Message.of(Type.ACK, m.requestId);
      }
      case CHECKPOINT -> {
        ShardControl.Part part = checkpoint(ShardControl.read(m.bytes, m.n, ShardControl.Checkpoint.class));
        return Message.of(Type.PART, m.requestId).bytes(ShardControl.write(part));
      }
      case RESTORE -> {
        restore(ShardControl.read(m.bytes, m.n, ShardControl.Restore.class).parts());
        return Message.of(Type.ACK, m.requestId);
      }
      default -> throw new IllegalArgumentException("a shard does not serve " + m.type + " messages");
    }
  }

  /** The name of shard {@code shard}'s part of a checkpoint written by {@code shards} shards. */
  static String partName(int shard, int shards, boolean delta) {
    return "embeddings-part-" + shard + "-of-" + shards + (delta ? ".delta" : "") + ".bin";
  }

  /** Writes this shard's part under a temporary name, syncs and renames it into place; its size and SHA-256 as written. */
  private ShardControl.Part checkpoint(ShardControl.Checkpoint c) {
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(Fs.path(c.dir()), partName(shard, shards, c.delta()));
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    long[] bytes = new long[1];
    try {
      Fs.writeAtomically(target, file -> {
        // hashes and counts what goes to the file (the inherited 'out' is the digesting stream)
        OutputStream counted = new FilterOutputStream(new DigestOutputStream(file, sha)) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytes[0] += len;
          }

          @Override
          public void write(int b) throws IOException {
            out.write(b);
            bytes[0]++;
          }
        };
        DataOutputStream d = new DataOutputStream(new BufferedOutputStream(counted, 1 << 16));
        store.writePart(d, c.delta());
        d.flush();
      });
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + target + ": " + e.getMessage(), e);
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    LOG.info("shard {} of {} wrote {} part {} ({} bytes) at step {}", shard, shards, c.delta() ? "delta" : "full", target, bytes[0], c.step());
    return new ShardControl.Part(target.toString(), bytes[0], hex);
  }

  /** Replaces this shard's rows with those of a checkpoint's parts, each verified against its size and SHA-256 first. */
  private void restore(List<ShardedStore.PartFile> files) {
    if (files == null || files.isEmpty()) {
      throw new IllegalArgumentException("a restore needs the parts of a checkpoint, none given");
    }
    // parts are streamed (a restore holds only the rows it keeps) and each is checked against its SHA-256 when closed,
    // before the restored rows replace the shard's: a part's own chunk checksums catch damage while it is parsed
    List<InProcessEmbeddingStore.Part> parts = new ArrayList<>();
    InProcessEmbeddingStore restored;
    try {
      for (ShardedStore.PartFile f : files) {
        parts.add(new InProcessEmbeddingStore.Part(f.uri(), Checksums.openVerified(Fs.path(f.uri()), f.bytes(), f.sha256())));
      }
      try {
        restored = InProcessEmbeddingStore.restoreShard(specs, parts, shard, shards);
      } catch (IOException e) {
        // the loader's message names the part; the exception names it as its file too, when it is one of ours
        String msg = String.valueOf(e.getMessage());
        String file = files.stream().map(ShardedStore.PartFile::uri).filter(msg::contains).findFirst().orElse(files.get(0).uri());
        throw new CorruptDataException(file, "does not load: " + msg, e);
      }
      for (InProcessEmbeddingStore.Part p : parts) {
        p.in().close(); // verifies the whole part against its SHA-256
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the parts of a checkpoint: " + e.getMessage(), e);
    } finally {
      for (InProcessEmbeddingStore.Part p : parts) {
        try {
          p.in().close();
        } catch (IOException | RuntimeException ignored) {
          // already failed: the first error is the one reported
        }
      }
    }
    store.close();
    store = restored;
    tableStats = store.stats();
    LOG.info("shard {} of {} restored from {} parts: {} rows", shard, shards, files.size(),
        tableStats.stream().mapToLong(TableStats::rows).sum());
  }

  private TableSpec table(Message m) {
    if (m.table < 0 || m.table >= specs.size()) {
      throw new IllegalArgumentException("no table " + m.table + ": the shard holds " + specs.size());
    }
    return specs.get(m.table);
  }

  private void ensureRows(int floats) {
    if (rows.length < floats) {
      rows = new float[Math.max(floats, rows.length * 2)];
    }
  }

  private void open(int session, Message m) {
    ShardControl.Open open;
    List<TableSpec> asked;
    try {
      open = ShardControl.read(m.bytes, m.n, ShardControl.Open.class);
      asked = open.tables().stream().map(ShardControl.Table::spec).toList();
    } catch (RuntimeException e) {
      LOG.warn("malformed OPEN from session {}: {}", session, e.getMessage());
      return; // nowhere to answer
    }
    Client c = clients.get(session);
    if (c == null) {
      ExclusivePublication pub = aeron.addExclusivePublication(
          "aeron:udp?endpoint=" + open.reply() + "|term-length=" + ctx.termBufferLength, REPLY_STREAM);
      long deadline = System.nanoTime() + ctx.replyTimeout.toNanos();
      IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
      while (!pub.isConnected()) {
        if (System.nanoTime() > deadline) {
          LOG.warn("client at {} (session {}) did not connect its reply channel within {}: OPEN ignored", open.reply(), session,
              ctx.replyTimeout);
          pub.close();
          return;
        }
        idle.idle();
      }
      c = new Client(session, open.reply(), pub);
      clients.put(session, c);
    }
    String problem = null;
    String asking = open.runName();
    if (store != null && !asking.equals(run)) {
      final Client self = c;
      long others = clients.values().stream().filter(o -> o != self && o.run.equals(run)).count();
      if (others > 0) {
        problem = "this shard holds the tables of run '" + run + "', which " + others + " worker" + (others == 1 ? " is" : "s are")
            + " still training: a shard serves one run at a time (a worker that was just killed counts until Aeron notices it is gone,"
            + " within about 10 s: then retry)";
      } else {
        // a new run (or a new session of one, which restores its checkpoint next) never trains on the last run's rows
        LOG.info("shard {} of {} at {}: run '{}' has no worker left; its tables are dropped for run '{}'", shard, shards, address, run,
            asking);
        store.close();
        store = null;
      }
    }
    if (problem != null) {
      // refused below
    } else if (store == null) {
      if (open.shards() < 1 || open.shard() < 0 || open.shard() >= open.shards()) {
        problem = "shard " + open.shard() + " of " + open.shards() + " is not a shard index";
      } else {
        specs = List.copyOf(asked);
        shard = open.shard();
        shards = open.shards();
        run = asking;
        store = new InProcessEmbeddingStore(specs, shard, shards);
        tableStats = store.stats();
        LOG.info("shard {} of {} at {} opened by {} with tables {}", shard, shards, address, open.reply(),
            specs.stream().map(TableSpec::name).toList());
      }
    } else if (open.shard() != shard || open.shards() != shards) {
      problem = "this is shard " + shard + " of " + shards + ", the client takes it for shard " + open.shard() + " of " + open.shards()
          + " (do the workers list the shards in different orders? A shard keeps its place for its life: to change the number of shards,"
          + " start new ones and restore a checkpoint onto them)";
    } else {
      String diff = ShardControl.difference(specs, asked);
      if (diff != null) {
        problem = "tables differ from those the shard was opened with: " + diff;
      }
    }
    if (problem != null) {
      LOG.warn("OPEN from {} refused: {}", open.reply(), problem);
      reply(session, error(m.requestId, problem));
      drop(session, "its OPEN was refused");
      return;
    }
    c.run = asking;
    reply(session, Message.of(Type.ACK, m.requestId));
  }

  private static Message error(long requestId, String text) {
    return Message.of(Type.ERROR, requestId).bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  private void drop(int session, String why) {
    Client c = clients.remove(session);
    assembler.forget(session);
    if (c != null) {
      LOG.info("client at {} gone from shard at {}: {}", c.reply, address, why);
      // closing lingers: what was offered is still delivered
      c.publication.close();
    }
  }

  /** Sends a reply in chunks; a client that does not take it within the reply timeout is dropped. */
  private void reply(int session, Message r) {
    Client c = clients.get(session);
    if (c == null) {
      LOG.warn("no reply channel for session {}: {} reply dropped", session, r.type);
      return;
    }
    try {
      ShardWire.encode(r, sendBuffer, maxMessage, (buf, len) -> offer(c, buf, len));
    } catch (ClientGone e) {
      drop(session, e.getMessage());
    }
  }

  private static final class ClientGone extends RuntimeException {
    ClientGone(String message) {
      super(message, null, false, false);
    }
  }

  private void offer(Client c, DirectBuffer buf, int len) {
    long deadline = 0;
    IdleStrategy idle = null;
    while (true) {
      long r = c.publication.offer(buf, 0, len);
      if (r > 0) {
        bytesOut += len;
        return;
      }
      if (r == Publication.NOT_CONNECTED || r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
        throw new ClientGone("its reply channel is " + (r == Publication.NOT_CONNECTED ? "not connected" : "closed"));
      }
      if (idle == null) {
        idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        deadline = System.nanoTime() + ctx.replyTimeout.toNanos();
      } else if (System.nanoTime() > deadline) {
        throw new ClientGone("it took no reply for " + ctx.replyTimeout);
      }
      idle.idle();
    }
  }

  /** Removes shard and client directories whose JVM no longer runs (a shard killed with SIGKILL cannot delete its own). */
  static void removeStale(Path parent) {
    AeronNode.removeStale(parent, DIR_PREFIX);
  }

  static void deleteTree(Path p) {
    AeronNode.deleteTree(p);
  }

  /**
   * Runs a shard in the foreground until the JVM is told to stop (SIGTERM, Ctrl-C): prints one line when listening
   * and the shard's stats every {@code reportEvery} (none when null or zero) to {@code out}.
   *
   * @return 0 when stopped by a signal, 1 when the request thread died
   */
  public static int serve(Context ctx, Duration reportEvery, PrintWriter out) throws InterruptedException {
    // the hook goes in before the shard starts, so a SIGTERM right after the listening line still closes it
    java.util.concurrent.atomic.AtomicReference<ShardServer> started = new java.util.concurrent.atomic.AtomicReference<>();
    Thread hook = new Thread(() -> {
      ShardServer running = started.get();
      if (running != null) {
        running.close();
      }
    }, "ps-shard-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    ShardServer s;
    try {
      s = launch(ctx);
    } catch (RuntimeException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      throw e;
    }
    started.set(s);
    out.println("parameter-server shard listening on " + s.address());
    out.flush();
    long every = reportEvery == null ? 0 : reportEvery.toMillis();
    while (true) {
      if (every > 0) {
        if (s.stopped.await(every, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          break;
        }
        out.println(s.statsLine());
        out.flush();
      } else {
        s.awaitStop();
        break;
      }
    }
    if (s.crash != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down anyway
      }
      s.close();
      out.println("parameter-server shard at " + s.address() + " failed: " + s.crash);
      out.flush();
      return 1;
    }
    return 0;
  }

  /**
   * {@code ShardServer --port N [--host H] [--aeron-dir D] [--term-buffer-mb M] [--report-every SECONDS]}: one shard in
   * the foreground (what {@code tandem ps} runs; this entry point needs only the parameter-server class path).
   */
  public static void main(String[] args) throws InterruptedException {
    Context ctx = new Context();
    Duration every = Duration.ZERO;
    List<String> a = new ArrayList<>(List.of(args));
    try {
      for (int i = 0; i < a.size(); i += 2) {
        String k = a.get(i);
        if (i + 1 >= a.size()) {
          throw new IllegalArgumentException(k + " needs a value");
        }
        String v = a.get(i + 1);
        switch (k) {
          case "--port" -> ctx.port(Integer.parseInt(v));
          case "--host" -> ctx.host(v);
          case "--aeron-dir" -> ctx.aeronDirectory(v);
          case "--term-buffer-mb" -> ctx.termBufferLength(Math.toIntExact(Long.parseLong(v) << 20));
          case "--report-every" -> every = Duration.ofSeconds(Long.parseLong(v));
          default -> throw new IllegalArgumentException("unknown option " + k);
        }
      }
      ctx.conclude();
    } catch (RuntimeException e) {
      System.err.println("ShardServer: " + e.getMessage());
      System.exit(2);
    }
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    int code = serve(ctx, every, out);
    if (code != 0) {
      System.exit(code);
    }
  }
}
