package dev.tandem.progress;

/**
 * Reports the progress of long work. Library code calls this; the CLI renders it as a progress bar with rate and ETA,
 * tests pass {@link #NONE}. Library code never prints.
 */
public interface Progress {

  /** Starts a task of {@code total} units ({@code -1} if unknown), e.g. ("reading events.csv", 4e8, "B"). */
  Task start(String name, long total, String unit);

  /** One running task; close it when done. */
  interface Task extends AutoCloseable {
    /** Records {@code units} more done. */
    void advance(long units);

    /** A short status shown beside the bar, e.g. the current loss. */
    default void status(String text) {}

    @Override
    void close();
  }

  Progress NONE = (name, total, unit) -> new Task() {
    @Override
    public void advance(long units) {}

    @Override
    public void close() {}
  };
}
