package org.hecnn.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Locale;

import org.hecnn.backend.Availability;

/**
 * Checks, silently, that the OpenCL ICD loader can be loaded before JOCL is touched: JOCL's native code prints every
 * failed attempt to load {@code libOpenCL} on standard output, which would corrupt a command's --json output. On
 * Linux JOCL tries {@value #LINUX_LIBRARY} first; elsewhere the check is left to JOCL.
 */
final class OpenClLoader {
    static final String LINUX_LIBRARY = "libOpenCL.so.1";

    private OpenClLoader() {
    }

    /** Available when JOCL will find the loader on its first try; otherwise why not and what to install. */
    static Availability check() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.yes("not checked on this OS");
        }
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(LINUX_LIBRARY, arena);
            return Availability.yes(LINUX_LIBRARY + " loads");
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return Availability.no(LINUX_LIBRARY + " cannot be loaded, so there is no OpenCL driver here (install an "
                    + "OpenCL ICD: a GPU driver, or ocl-icd-libopencl1 and pocl-opencl-icd for a CPU device)");
        }
    }
}
