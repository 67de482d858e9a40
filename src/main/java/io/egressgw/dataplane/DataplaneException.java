package io.egressgw.dataplane;

/** A kernel or library call of the dataplane failed; the message names the call and the errno. */
public class DataplaneException extends RuntimeException {
  public DataplaneException(String message) {
    super(message);
  }

  public DataplaneException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Throws when rc is negative (a -errno convention); returns rc otherwise. */
  public static long check(long rc, String what) {
    if (rc < 0) {
      throw new DataplaneException(
          what + " failed: errno " + -rc + " (" + Errno.name((int) -rc) + ")");
    }
    return rc;
  }

  /** Names for the errno values we meet, for readable messages. */
  static final class Errno {
    static String name(int errno) {
      return switch (errno) {
        case 1 -> "EPERM";
        case 2 -> "ENOENT";
        case 7 -> "E2BIG";
        case 12 -> "ENOMEM";
        case 13 -> "EACCES";
        case 16 -> "EBUSY";
        case 17 -> "EEXIST";
        case 19 -> "ENODEV";
        case 22 -> "EINVAL";
        case 28 -> "ENOSPC";
        case 99 -> "EADDRNOTAVAIL";
        default -> "errno " + errno;
      };
    }
  }
}
