package dev.tandem.serving.registry;

import dev.tandem.fs.CorruptDataException;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A version read back whole: its manifest and the content of every file, each checked against the manifest's SHA-256.
 * Nothing reaches a model loader that did not verify.
 */
public record VerifiedVersion(VersionManifest manifest, Path dir, Map<String, byte[]> files) {

  /** The verified bytes of one file of the version. */
  public byte[] file(String name) {
    byte[] b = files.get(name);
    if (b == null) {
      throw new CorruptDataException(new Path(dir, name).toString(), "is not listed in the version's manifest");
    }
    return b;
  }

  public boolean has(String name) {
    return files.containsKey(name);
  }
}
