package dev.splitflow.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One line for an I/O error that names the path and the reason: Java's file exceptions carry the
 * path alone as their message ({@code AccessDeniedException: /out/x}), which tells a user nothing.
 */
public final class IoErrors {
  private IoErrors() {}

  public static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String path = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
      return path + ": " + reason(f);
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return m.lines().findFirst().orElse(m);
  }

  private static String reason(FileSystemException f) {
    if (f.getReason() != null && !f.getReason().isBlank()) {
      return lower(f.getReason());
    }
    if (f instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (f instanceof NoSuchFileException) {
      return "no such file or folder";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (f instanceof NotDirectoryException) {
      return "not a folder";
    }
    return f.getClass().getSimpleName();
  }

  private static String lower(String reason) {
    return reason.isEmpty()
        ? reason
        : Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
  }
}
