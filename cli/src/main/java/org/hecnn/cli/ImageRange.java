package org.hecnn.cli;

import java.nio.file.Path;

/** Checks --from and --count against the number of images a data file holds. */
final class ImageRange {
    private ImageRange() {
    }

    /**
     * The number of images from {@code from} on (what a run takes its {@code count} from); fails, naming the option
     * that does not fit, when {@code from} is past the last image or fewer than {@code count} images follow it.
     */
    static int available(Path data, int total, int from, Integer count) {
        if (from >= total) {
            throw new InvalidOptionException("--from must be between 0 and " + (total - 1) + ": " + data + " holds "
                    + total + " images (got " + from + ")");
        }
        int pool = total - from;
        if (count != null && count > pool) {
            throw new InvalidOptionException("--count must be between 1 and " + pool + ": " + data + " holds " + total
                    + " images, " + pool + " of them from --from " + from + " on (got " + count + ")");
        }
        return pool;
    }
}
