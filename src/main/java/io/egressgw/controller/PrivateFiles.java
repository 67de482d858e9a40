package io.egressgw.controller;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Key and token files, owner-only from the start: the content goes to a new file in the target's
 * directory that is created {@code rw-------} (never chmod'ed after it was written: a reader that
 * opened it in between would keep reading), then is moved over the target atomically, so that
 * readers see the old file or the whole new one. The temporary file has a fresh name each time: a
 * file planted at a predictable name does not receive the secret.
 */
public final class PrivateFiles {
  private PrivateFiles() {}

  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  /** Writes {@code content} to {@code target}, replacing it if it exists. */
  public static void write(Path target, String content) throws IOException {
    Path tmp = staged(target, content);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes {@code content} to {@code target} unless it exists (another process may create it at the
   * same time): false, and the target left alone, if it does.
   */
  public static boolean create(Path target, String content) throws IOException {
    Path tmp = staged(target, content);
    try {
      Files.move(tmp, target);
      return true;
    } catch (FileAlreadyExistsException raced) {
      return false;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Path staged(Path target, String content) throws IOException {
    Path dir = Files.createDirectories(target.toAbsolutePath().getParent());
    String prefix = "." + target.getFileName() + ".";
    Path tmp;
    try {
      FileAttribute<Set<PosixFilePermission>> ownerOnly =
          PosixFilePermissions.asFileAttribute(OWNER_ONLY);
      tmp = Files.createTempFile(dir, prefix, ".tmp", ownerOnly);
    } catch (UnsupportedOperationException notPosix) {
      tmp = Files.createTempFile(dir, prefix, ".tmp");
    }
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    return tmp;
  }
}
