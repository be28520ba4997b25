package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every data file the README's commands name is in the repository or named in its section on where to get data. */
class ReadmeDataTest {
    @Test
    void everyDataFileInTheReadmeIsShippedOrExplained() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("## Data for eval");
        assertTrue(start >= 0, "README has no section on data");
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Matcher m = Pattern.compile("--(?:data|cifar|mnist) ([^\\s`|\\]]+)").matcher(readme);
        int checked = 0;
        while (m.find()) {
            String file = m.group(1);
            boolean shipped = Files.isRegularFile(Path.of("..", file));
            boolean explained = section.contains("`" + Path.of(file).getFileName() + "`");
            assertTrue(shipped || explained, file + " is neither in the repository nor in the README's data section");
            checked++;
        }
        assertFalse(checked == 0, "the README names no data file");
    }
}
