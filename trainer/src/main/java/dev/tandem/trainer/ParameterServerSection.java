package dev.tandem.trainer;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import dev.tandem.trainer.embedding.ShardedStore;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code cluster.parameter_server} section of a job: the parameter-server shards that hold the embedding tables of
 * a model with {@code model.embeddings.store: sharded} ({@code tandem ps} starts one; {@code scripts/local-cluster.sh
 * start --shards N} starts N on loopback), and how workers use them.
 *
 * @param shards              the shards' addresses {@code host:port}, in shard order (ids are routed by a hash of
 *                            table and id over this list, so its order is part of a run: keep it when resuming; a
 *                            checkpoint restores onto any number of shards)
 * @param staleness           how many training steps' pushes may be unacknowledged (0: every push waits for every
 *                            shard's acknowledgement); a pull always waits for its rows
 * @param timeoutSeconds      a shard that does not answer a request within this long is taken as gone: the run stops
 *                            with an error naming it and continues from its last checkpoint with {@code --resume}
 * @param fullCheckpointEvery every K-th checkpoint holds every row; those between hold only the rows changed since the
 *                            last full one (1: every checkpoint is full)
 * @param replyHost           the address shards answer this worker on
 * @param termBufferMb        Aeron term buffer of the worker's streams (a message is at most 1/8 of it)
 */
public record ParameterServerSection(List<String> shards, int staleness, double timeoutSeconds, int fullCheckpointEvery, String replyHost,
    int termBufferMb) {
  private static final Pattern ADDRESS = Pattern.compile("([A-Za-z0-9][A-Za-z0-9.-]*):(\\d{1,5})");

  /** The section as a job writes it, with every key it leaves out at its default. */
  @JsonCreator
  public static ParameterServerSection of(@JsonProperty("shards") List<String> shards, @JsonProperty("staleness") Integer staleness,
      @JsonProperty("timeout_seconds") Double timeoutSeconds, @JsonProperty("full_checkpoint_every") Integer fullCheckpointEvery,
      @JsonProperty("reply_host") String replyHost, @JsonProperty("term_buffer_mb") Integer termBufferMb) {
    return new ParameterServerSection(shards, orDefault(staleness, 0), orDefault(timeoutSeconds, 30.0), orDefault(fullCheckpointEvery, 1),
        orDefault(replyHost, "127.0.0.1"), orDefault(termBufferMb, 16));
  }

  public ParameterServerSection {
    Check.that(shards != null && !shards.isEmpty(), "shards", "list at least one shard address host:port (tandem ps --port P starts one)");
    for (int i = 0; i < shards.size(); i++) {
      Matcher m = ADDRESS.matcher(shards.get(i) == null ? "" : shards.get(i));
      Check.that(m.matches() && Integer.parseInt(m.group(2)) > 0 && Integer.parseInt(m.group(2)) < 65536, "shards[" + i + "]",
          "'" + shards.get(i) + "' is not host:port (port 1-65535)");
      Check.that(shards.indexOf(shards.get(i)) == i, "shards[" + i + "]", "'" + shards.get(i) + "' is listed twice");
    }
    shards = List.copyOf(shards);
    Check.nonNegative(staleness, "staleness");
    Check.that(timeoutSeconds > 0 && timeoutSeconds <= 3600, "timeout_seconds", "must be in (0, 3600]");
    Check.positive(fullCheckpointEvery, "full_checkpoint_every");
    Check.requiredText(replyHost, "reply_host");
    Check.that(termBufferMb >= 1 && termBufferMb <= 1024 && Integer.bitCount(termBufferMb) == 1, "term_buffer_mb",
        "must be a power of two in [1, 1024]");
  }

  /** What a worker's store client needs to train the tables of {@code run} (one session of a run: see {@link ShardedStore.Settings}). */
  public ShardedStore.Settings settings(String run) {
    return new ShardedStore.Settings(shards, staleness, Math.round(timeoutSeconds * 1000), replyHost, termBufferMb, run);
  }
}
