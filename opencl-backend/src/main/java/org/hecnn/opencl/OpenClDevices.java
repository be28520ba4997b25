package org.hecnn.opencl;

import static org.jocl.CL.CL_DEVICE_EXTENSIONS;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_VERSION;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Enumerates OpenCL devices (GPUs first) and picks one, optionally by the system property {@value #PROPERTY}. */
public final class OpenClDevices {
    /** System property: a device index in the listing, or a case-insensitive substring of its name. */
    public static final String PROPERTY = "hecnn.opencl.device";

    private OpenClDevices() {
    }

    /** One device of one platform. */
    public record Device(int index, cl_platform_id platform, cl_device_id id, String platformName,
                         String platformVersion, String name, String version, String driver, long type,
                         int computeUnits, long globalMem, long localMem, long maxWorkGroup, String extensions) {
        /**
         * Double precision is required: the centred basis conversion computes its quotient in IEEE doubles,
         * exactly as the CPU does.
         */
        public boolean fp64() {
            return (" " + extensions + " ").contains(" cl_khr_fp64 ");
        }

        public String typeName() {
            if ((type & CL_DEVICE_TYPE_GPU) != 0) {
                return "GPU";
            }
            if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
                return "accelerator";
            }
            if ((type & CL_DEVICE_TYPE_CPU) != 0) {
                return "CPU";
            }
            return "other";
        }

        int rank() {
            if ((type & CL_DEVICE_TYPE_GPU) != 0) {
                return 0;
            }
            return (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? 1 : 2;
        }

        public String describe() {
            return "#" + index + " " + typeName() + " '" + name + "' (" + version + ", driver " + driver
                    + ", platform '" + platformName + "', " + computeUnits + " compute units, "
                    + (globalMem >> 20) + " MiB global, " + (localMem >> 10) + " KiB local"
                    + (fp64() ? "" : ", NO fp64: unusable") + ")";
        }
    }

    /** All devices of all platforms, GPUs first, then accelerators, then the rest; indices follow that order. */
    public static List<Device> list() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (count[0] > 0) {
            clGetPlatformIDs(count[0], platforms, null);
        }
        List<Device> raw = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            int[] nd = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND
            }
            cl_device_id[] devices = new cl_device_id[nd[0]];
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd[0], devices, null);
            for (cl_device_id d : devices) {
                raw.add(new Device(0, p, d, platformString(p, CL_PLATFORM_NAME),
                        platformString(p, CL_PLATFORM_VERSION), deviceString(d, CL_DEVICE_NAME),
                        deviceString(d, CL_DEVICE_VERSION), deviceString(d, CL_DRIVER_VERSION),
                        deviceLong(d, CL_DEVICE_TYPE), (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE),
                        deviceSize(d, CL_DEVICE_MAX_WORK_GROUP_SIZE), deviceString(d, CL_DEVICE_EXTENSIONS)));
            }
        }
        raw.sort(Comparator.comparingInt(Device::rank));
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Device d = raw.get(i);
            out.add(new Device(i, d.platform(), d.id(), d.platformName(), d.platformVersion(), d.name(),
                    d.version(), d.driver(), d.type(), d.computeUnits(), d.globalMem(), d.localMem(),
                    d.maxWorkGroup(), d.extensions()));
        }
        return out;
    }

    /**
     * The device the property selects, else the first usable one in the listing (a GPU if there is one).
     * Devices without double precision (cl_khr_fp64) cannot reproduce the CPU's results and are not chosen.
     */
    public static Device choose(List<Device> devices) {
        if (devices.isEmpty()) {
            throw new IllegalStateException("no OpenCL device found (install an ICD such as pocl-opencl-icd "
                    + "for a CPU device, or a GPU driver)");
        }
        String wanted = System.getProperty(PROPERTY, "").trim();
        Device chosen = null;
        if (wanted.isEmpty()) {
            chosen = devices.stream().filter(Device::fp64).findFirst().orElseThrow(() -> new IllegalStateException(
                    "no OpenCL device supports double precision (cl_khr_fp64), which bit-exact basis conversion "
                            + "needs: " + names(devices)));
        } else if (wanted.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(wanted);
            if (i >= devices.size()) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + wanted + " but only " + devices.size()
                        + " OpenCL devices exist: " + names(devices));
            }
            chosen = devices.get(i);
        } else {
            String w = wanted.toLowerCase(Locale.ROOT);
            for (Device d : devices) {
                if ((d.platformName() + " " + d.name()).toLowerCase(Locale.ROOT).contains(w)) {
                    chosen = d;
                    break;
                }
            }
            if (chosen == null) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + wanted + " matches no OpenCL device: "
                        + names(devices));
            }
        }
        if (!chosen.fp64()) {
            throw new IllegalStateException("OpenCL device '" + chosen.name() + "' lacks double precision "
                    + "(cl_khr_fp64), which bit-exact basis conversion needs");
        }
        return chosen;
    }

    static List<String> names(List<Device> devices) {
        return devices.stream().map(d -> "#" + d.index() + " " + d.name()).toList();
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0] & 0xffffffffL;
    }

    static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8).trim();
    }
}
