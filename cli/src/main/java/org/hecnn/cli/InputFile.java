package org.hecnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hecnn.HecnnException;

/** Checks a file named on the command line before it is read: it exists, is a file and not a directory, is readable. */
final class InputFile {
    private InputFile() {
    }

    /**
     * Returns {@code file} if it can be read; otherwise fails with a message that names {@code option} and the file
     * and, for a missing file, adds {@code whereToGetOne} (may be empty).
     */
    static Path require(String option, Path file, String whereToGetOne) {
        if (Files.isDirectory(file)) {
            throw new HecnnException(option + " " + file + " is a directory; give the file itself");
        }
        if (!Files.exists(file)) {
            throw new HecnnException(option + " " + file + " does not exist"
                    + (whereToGetOne.isEmpty() ? "" : "; " + whereToGetOne));
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new HecnnException(option + " " + file + " cannot be read (not a regular file, or no permission)");
        }
        return file;
    }
}
