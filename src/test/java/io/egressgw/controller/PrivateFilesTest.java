package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key and token files are owner-only from their creation on (issue 15: they were chmod'ed after
 * they had been written): the target ends rw------- with its content and nothing left beside it,
 * and a reader that opened the old fixed temporary name ({@code <name>.tmp}) in advance, as an
 * attacker with access to the directory could, never receives the secret.
 */
class PrivateFilesTest {
  @TempDir Path dir;

  @Test
  void theFileIsOwnerOnlyWithItsContentAndNoTemporaryFileIsLeft() throws Exception {
    Path key = dir.resolve("keys/controller-signing.key");

    PrivateFiles.write(key, "first");
    PrivateFiles.write(key, "second");

    assertThat(Files.readString(key)).isEqualTo("second");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(key.getParent())) {
      assertThat(files).containsExactly(key);
    }
  }

  @Test
  void createLeavesAnExistingFileAlone() throws Exception {
    Path secret = dir.resolve("node-token.secret");

    assertThat(PrivateFiles.create(secret, "mine")).isTrue();
    assertThat(PrivateFiles.create(secret, "theirs")).isFalse();

    assertThat(Files.readString(secret)).isEqualTo("mine");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
        .isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(secret);
    }
  }

  @Test
  void aReaderWaitingOnThePredictableTemporaryNameGetsNothing() throws Exception {
    for (String name : new String[] {"controller-signing.key", "node-token.secret", "n1.token"}) {
      Path target = dir.resolve(name);
      Path planted = dir.resolve(name + ".tmp");
      Files.createFile(
          planted,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
      try (InputStream spy = Files.newInputStream(planted)) {
        PrivateFiles.write(target, "secret of " + name);

        assertThat(new String(spy.readAllBytes(), StandardCharsets.UTF_8)).as(name).isEmpty();
      }
      assertThat(Files.readString(target)).isEqualTo("secret of " + name);
    }
  }
}
