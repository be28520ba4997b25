package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hecnn.HecnnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records file itself: what it writes reads back, and what it did not write is refused with the line named. */
class EvalRecordsFileTest {
    static final String CONF = "m.onnx sha256:00, data d.bin sha256:11, parameters 22";

    @Test
    void entriesReadBackAsWrittenIncludingANonFiniteError(@TempDir Path dir) {
        Path f = dir.resolve("r.jsonl");
        EvalRecords r = EvalRecords.open(f, CONF);
        assertFalse(r.has(7));
        r.add(new EvalRecords.Entry(7, 3, 3, 5, 0.25, Double.NaN, 12.5));
        r.add(new EvalRecords.Entry(2, 1, 1, 1, 1.5, 3.0e-4, 11.0));
        EvalRecords back = EvalRecords.open(f, CONF);
        EvalRecords.Entry e = back.get(7);
        assertEquals(3, e.label());
        assertEquals(5, e.encryptedClass());
        assertFalse(e.agrees());
        assertTrue(Double.isNaN(e.maxLogitError()), "Json writes NaN as null; it reads back as NaN");
        assertEquals(0.25, e.plainMargin(), 1e-12);
        assertTrue(back.get(2).agrees());
        assertEquals(3.0e-4, back.get(2).maxLogitError(), 1e-12);
    }

    @Test
    void foreignOrMalformedLinesAreNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("r.jsonl");
        Files.writeString(f, "{\"images\":3,\"agreement\":1.0}\n");
        HecnnException e = assertThrows(HecnnException.class, () -> EvalRecords.open(f, CONF));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("not written by"), e.getMessage());
        Files.writeString(f, "{\"configuration\":\"" + CONF + "\",\"index\":1,\"label\":2,\"plainClass\":2,"
                + "\"encryptedClass\":2,\"plainMargin\":x1,\"maxLogitError\":0.1,\"seconds\":3}\n");
        e = assertThrows(HecnnException.class, () -> EvalRecords.open(f, CONF));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("malformed number"), e.getMessage());
    }
}
