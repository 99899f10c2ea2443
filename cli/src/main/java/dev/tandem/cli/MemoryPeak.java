package dev.tandem.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident memory of a process as Linux reports it ({@code VmHWM} in {@code /proc/PID/status}). */
final class MemoryPeak {
  private MemoryPeak() {}

  /** The peak resident set of process {@code pid} in bytes; -1 where the system does not say (not Linux, gone). */
  static long peakRss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
