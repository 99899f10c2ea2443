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
}
