package dev.tandem.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fs.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one checksum code path of datasets, checkpoints and the registry. */
class ChecksumsTest {
  @TempDir
  Path dir;

  @Test
  void sha256IsTheStandardDigestInLowerCaseHex() {
    // FIPS 180-2 test vector
    assertThat(Checksums.sha256("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void readVerifiedReturnsTheBytesOrNamesTheFileThatDiffers() throws Exception {
    byte[] content = "checkpoint bytes".getBytes(StandardCharsets.UTF_8);
    Path f = Files.write(dir.resolve("params.bin"), content);
    org.apache.hadoop.fs.Path p = Fs.path(f.toString());
    String sha = Checksums.sha256(content);
    assertThat(Checksums.readVerified(p, content.length, sha)).isEqualTo(content);

    content[0] ^= 1;
    Files.write(f, content);
    assertThatThrownBy(() -> Checksums.readVerified(p, content.length, sha)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("params.bin").hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> Checksums.readVerified(Fs.path(dir.resolve("gone.bin").toString()), 1, sha))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("gone.bin").hasMessageContaining("missing");
  }

  @Test
  void openVerifiedChecksTheSizeWhenOpenedAndTheWholeFileWhenClosedEvenIfPartlyRead() throws Exception {
    byte[] content = new byte[200_000];
    new java.util.Random(3).nextBytes(content);
    Path f = Files.write(dir.resolve("part.bin"), content);
    org.apache.hadoop.fs.Path p = Fs.path(f.toString());
    String sha = Checksums.sha256(content);
    try (java.io.InputStream in = Checksums.openVerified(p, content.length, sha)) {
      assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(content, 10));
    }
    content[150_000] ^= 1; // beyond what the reader reads: close() still reads it
    Files.write(f, content);
    java.io.InputStream damaged = Checksums.openVerified(p, content.length, sha);
    assertThat(damaged.readNBytes(10)).hasSize(10);
    assertThatThrownBy(damaged::close).isInstanceOf(CorruptDataException.class).hasMessageContaining("part.bin")
        .hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> Checksums.openVerified(p, content.length + 1, sha)).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("part.bin").hasMessageContaining("size mismatch");
  }
}
