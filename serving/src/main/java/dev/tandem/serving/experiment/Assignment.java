package dev.tandem.serving.experiment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which arm serves a user. The real one is {@link #salted}: a hash of (salt, user id), so a user keeps the arm across
 * requests, restarts and replicas, and a new salt draws users afresh; a simulation may plant a faulty one to check that
 * the report notices.
 */
@FunctionalInterface
public interface Assignment {

  /** The arm that serves {@code user}; the same for the same user every time. Must be thread-safe and cheap. */
  Arm arm(String user);

  /**
   * Users whose {@link #bucket} of (salt, user) is below {@code share} go to the challenger. Raising the share only moves
   * users from control to the challenger, never back.
   *
   * @throws IllegalArgumentException if share is not in (0, 1) or the salt is blank
   */
  static Assignment salted(String salt, double share) {
    if (!(share > 0 && share < 1)) {
      throw new IllegalArgumentException("share must be between 0 and 1 (exclusive), was " + share);
    }
    if (salt == null || salt.isBlank()) {
      throw new IllegalArgumentException("the assignment's salt must not be blank");
    }
    return user -> bucket(salt, user) < share ? Arm.CHALLENGER : Arm.CONTROL;
  }

  /**
   * A user's position in [0, 1): the first 64 bits of SHA-256 over the salt's UTF-8 bytes, a zero byte and the user id's
   * UTF-8 bytes, as an unsigned fraction. SHA-256 because it is the same in every JVM and language (a report or another
   * service can recompute an assignment) and its bits are uniform whatever the ids look like.
   */
  static double bucket(String salt, String user) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    sha.update(salt.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    byte[] h = sha.digest(user.getBytes(StandardCharsets.UTF_8));
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = bits << 8 | (h[i] & 0xff);
    }
    return (bits >>> 11) * 0x1.0p-53; // the top 53 bits: exactly representable as a double in [0, 1)
  }
}
