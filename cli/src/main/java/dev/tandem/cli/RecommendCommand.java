package dev.tandem.cli;

import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.OfflinePredictions;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.EventFile;
import dev.tandem.serving.history.LiveHistory;
import dev.tandem.serving.history.ServedEvent;
import dev.tandem.serving.registry.ModelRef;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem recommend}: recommendations from a registry version, for one user or (batch) for every user. */
@Command(name = "recommend", mixinStandardHelpOptions = true,
    description = "Recommend items from a registry version: for one user (--user), or the top K of every known user into a file (--all-users --out).")
final class RecommendCommand implements Callable<Integer> {
  private static final Logger LOG = LogManager.getLogger(RecommendCommand.class);
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--model", required = true, paramLabel = "REF", description = "REGISTRY/NAME@REF, e.g. /models/recs@production (REF defaults to production).")
  String model;
  @Option(names = "--user", description = "The user id (unknown users are served by the cold-start path).")
  String user;
  @Option(names = "--k", defaultValue = "10", description = "How many items (default: ${DEFAULT-VALUE}).")
  int k;
  @Option(names = "--explain", description = "Show retrieval and ranking scores, item attributes and the rules applied.")
  boolean explain;
  @Option(names = "--json", description = "Print the result as JSON (items: ids best first; scores: in the same order).")
  boolean json;
  @Option(names = "--attr", paramLabel = "KEY=VALUE", description = "A request attribute: context (e.g. device=tv), or user features of an"
      + " unknown user (e.g. country=fr). Repeatable.")
  List<String> attributes = new ArrayList<>();
  @Option(names = "--exclude", split = ",", paramLabel = "ITEM", description = "Item ids not to recommend.")
  List<String> exclude = new ArrayList<>();
  @Option(names = "--rules", paramLabel = "FILE", description = "A serving configuration overriding the one shipped with the version.")
  String rules;
  @Option(names = "--all-users", description = "Batch mode: the top K of every user the bundle knows, written to --out.")
  boolean allUsers;
  @Option(names = "--out", paramLabel = "URI", description = "Batch output (.csv: user_id,rank,item_id,score; else JSON lines).")
  String out;
  @Option(names = "--threads", defaultValue = "2", description = "Batch mode threads (default: ${DEFAULT-VALUE}).")
  int threads;
  @Option(names = "--events", paramLabel = "FILE", description = "Events to add to the history before answering (a model with history"
      + " features): CSV with a header (user,item,time,<outcome columns>; .csv) or JSON lines as POST /events takes them.")
  String events;

  @Override
  public Integer call() throws Exception {
    if (allUsers == (user != null)) {
      throw new IllegalArgumentException("give either --user ID or --all-users --out URI");
    }
    if (allUsers && out == null) {
      throw new IllegalArgumentException("--all-users needs --out URI");
    }
    ModelRef ref = ModelRef.parse(model, null).orElse("production");
    ServingBundle bundle = ServingBundle.load(ref);
    PrintWriter pw = spec.commandLine().getOut();
    try (BundleRecommender rec = rules == null ? new BundleRecommender(bundle) : new BundleRecommender(bundle, ServingConfig.load(rules))) {
      if (events != null) {
        applyEvents(rec);
      }
      if (allUsers) {
        long t0 = System.nanoTime();
        long n;
        try {
          n = OfflinePredictions.write(rec, Arrays.asList(bundle.users().ids()), k, Fs.path(out), threads);
        } catch (FileNotFoundException e) {
          throw e; // a location the user can fix: reported in one line with exit code 2, like every bad path
        } catch (IOException e) {
          // the message names --out and the reason; the stack trace is for the log, not the terminal
          LOG.debug("batch predictions failed", e);
          spec.commandLine().getErr().println("error: " + e.getMessage());
          spec.commandLine().getErr().flush();
          return 1;
        }
        pw.printf("wrote the top %d of %,d users from %s v%d to %s in %.1f s%n", k, n, bundle.name(), bundle.version(), Fs.path(out),
            (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return 0;
      }
      Recommendations r = rec.recommend(new RecommendRequest(user, k, parse(attributes), new LinkedHashSet<>(exclude), explain,
          true));
      if (json) {
        pw.println(Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsString(r));
        pw.flush();
        return 0;
      }
      print(pw, r, ref);
    }
    return 0;
  }

  /** The events of --events, through the validation and the code of POST /events (without an events log). */
  private void applyEvents(BundleRecommender rec) throws IOException {
    LiveHistory history = rec.history();
    if (history == null) {
      throw new IllegalArgumentException("--events: " + rec.model() + " v" + rec.version() + " has no history features, so events change"
          + " nothing");
    }
    List<ServedEvent> list = EventFile.read(Fs.path(events), history.schema(), history.now());
    LiveHistory.Receipt r = history.record(list);
    // on stderr: with --json, stdout is the answer alone
    spec.commandLine().getErr().printf("applied %,d event(s) from %s (%d of items the version does not know, %d new user(s))%n", r.accepted(),
        Fs.shown(Fs.path(events)), r.unknownItems(), r.newUsers());
    spec.commandLine().getErr().flush();
  }

  static Map<String, String> parse(List<String> kvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String kv : kvs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--attr takes KEY=VALUE, was '" + kv + "'");
      }
      out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return out;
  }

  static void print(PrintWriter out, Recommendations r, ModelRef ref) {
    String how = switch (r.path()) {
      case KNOWN -> "a known user";
      case COLD_FEATURES -> "an unknown user: cold start from the request's attributes";
      case POPULARITY -> "an unknown user without attributes: most popular items";
    };
    out.printf("%s v%d (%s) for user %s, %s%n%n", r.model(), r.version(), ref.ref(), r.user(), how);
    if (r.details() == null) {
      Tables t = new Tables("rank", "item", "score", "");
      for (int i = 0; i < r.items().size(); i++) {
        t.row(i + 1, r.items().get(i), r.scores().get(i), r.exploration().contains(r.items().get(i)) ? "explore" : "");
      }
      t.print(out);
      return;
    }
    List<String> attrs = new ArrayList<>();
    for (Recommendations.Detail d : r.details()) {
      for (String a : d.attributes().keySet()) {
        if (!a.equals("item_id") && !attrs.contains(a) && attrs.size() < 3) {
          attrs.add(a);
        }
      }
    }
    List<String> header = new ArrayList<>(List.of("rank", "item", "score", "ranking", "retrieval", "retrieval rank", ""));
    header.addAll(attrs);
    Tables t = new Tables(header.toArray(new String[0]));
    int rank = 1;
    for (Recommendations.Detail d : r.details()) {
      List<Object> row = new ArrayList<>(Arrays.asList(rank++, d.id(), d.score(), d.rankingScore(), d.retrievalScore(), d.retrievalRank(),
          d.explore() ? "explore" : ""));
      for (String a : attrs) {
        row.add(d.attributes().get(a));
      }
      t.row(row.toArray());
    }
    t.print(out);
    Recommendations.Explanation e = r.explain();
    out.printf("%nuser features: %s%n", e.features());
    out.printf("retrieval: %d candidates by %s search, %d seen/excluded items skipped; ranking model: %s%n", e.candidates(), e.index(),
        e.seenExcluded(), e.ranked() ? "yes" : "no");
    if (!e.capped().isEmpty()) {
      out.printf("skipped by max_per rules: %s%n", String.join(", ", e.capped()));
    }
    if (e.explorationSlots() > 0) {
      out.printf("exploration: %d slot(s): %s%n", e.explorationSlots(), r.exploration());
    }
    out.flush();
  }
}
