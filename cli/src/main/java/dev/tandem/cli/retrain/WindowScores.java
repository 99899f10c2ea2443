package dev.tandem.cli.retrain;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One model's predictions for the events of a time window, with the labels, users and timestamps that pair them with
 * another model's predictions for the same events.
 */
public record WindowScores(String model, long from, long to, float[] p, float[] label, String[] users, long[] timestamps) {
  public int size() {
    return p.length;
  }

  /** Throws {@link IllegalStateException} unless {@code other} scored the same events in the same order. */
  public void requireSameEvents(WindowScores other) {
    if (!Arrays.equals(timestamps, other.timestamps) || !Arrays.equals(users, other.users) || !Arrays.equals(label, other.label)) {
      throw new IllegalStateException("models " + model + " and " + other.model + " did not see the same events in the window [" + from + ", "
          + to + ") (" + size() + " vs " + other.size() + " events): were their datasets prepared from different logs?");
    }
  }

  /** The cluster of each event: its user's number (unit users) or its own index (unit events). */
  public int[] clusters(String unit) {
    int[] out = new int[users.length];
    if (unit.equals("events")) {
      for (int i = 0; i < out.length; i++) {
        out[i] = i;
      }
      return out;
    }
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < out.length; i++) {
      out[i] = ids.computeIfAbsent(users[i], u -> ids.size());
    }
    return out;
  }
}
