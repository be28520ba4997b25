package org.hecnn.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clCreateProgramWithBinary;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clGetKernelWorkGroupInfo;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clGetProgramInfo;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clReleaseProgram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;
import java.util.logging.Logger;

import org.hecnn.kernels.KernelSources;
import org.hecnn.kernels.engine.DeviceTimer;
import org.hecnn.kernels.engine.GpuBuffer;
import org.hecnn.kernels.engine.GpuRuntime;
import org.hecnn.kernels.engine.Kernel;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * {@link GpuRuntime} over one OpenCL device through JOCL: one context, one in-order queue, the kernels of
 * {@code rns.cl} built at run time. The built program binary is cached on disk, keyed by a hash of the source,
 * build options, platform, device and driver, under {@code hecnn.cache.dir}, else {@code ~/.cache/hecnn/opencl},
 * else {@code java.io.tmpdir}.
 */
public final class OpenClRuntime implements GpuRuntime {
    private static final Logger LOG = Logger.getLogger(OpenClRuntime.class.getName());

    private static final class Buffer implements GpuBuffer {
        final cl_mem mem;
        final long bytes;

        Buffer(cl_mem mem, long bytes) {
            this.mem = mem;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }
    }

    private final OpenClDevices.Device device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final Map<Kernel, cl_kernel> kernels = new EnumMap<>(Kernel.class);
    private final int tileLog;
    private final int maxWorkGroup;
    private final String buildNote;

    /** Opens the device with the largest NTT tile its local memory allows (at most KernelSources.TILE_LOG). */
    public OpenClRuntime(OpenClDevices.Device device) {
        CL.setExceptionsEnabled(true);
        this.device = device;
        int localWords = (int) Math.min(Integer.MAX_VALUE, device.localMem() / 8);
        int t = KernelSources.TILE_LOG;
        while (t > 1 && (1 << t) > localWords) {
            t--;
        }
        this.tileLog = t;
        context = clCreateContext(null, 1, new cl_device_id[] {device.id()}, null, null, null);
        @SuppressWarnings("deprecation")
        cl_command_queue q = clCreateCommandQueue(context, device.id(), 0, null);
        queue = q;
        String options = "-cl-std=CL1.2";
        String source = KernelSources.openClProgram(tileLog);
        long t0 = System.nanoTime();
        String[] note = new String[1];
        program = buildProgram(source, options, note);
        buildNote = note[0] + String.format(" in %.0f ms", (System.nanoTime() - t0) / 1e6);
        long wg = device.maxWorkGroup();
        for (Kernel k : Kernel.values()) {
            cl_kernel kernel = clCreateKernel(program, k.entry(), null);
            kernels.put(k, kernel);
            long[] kwg = new long[1];
            clGetKernelWorkGroupInfo(kernel, device.id(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                    Pointer.to(kwg), null);
            wg = Math.min(wg, kwg[0]);
        }
        maxWorkGroup = (int) Math.max(1, Math.min(1024, Integer.highestOneBit((int) Math.min(wg, 1 << 20))));
        LOG.info(() -> "OpenCL: using " + device.describe() + "; program " + buildNote + ", NTT tile 2^"
                + tileLog + ", max work-group " + maxWorkGroup);
    }

    private cl_program buildProgram(String source, String options, String[] note) {
        String key = KernelSources.sha256(source + "\n" + options + "\n" + device.platformName() + "\n"
                + device.platformVersion() + "\n" + device.name() + "\n" + device.version() + "\n"
                + device.driver());
        Path file = cacheDir().map(d -> d.resolve(key + ".bin")).orElse(null);
        if (file != null && Files.isRegularFile(file)) {
            try {
                byte[] binary = Files.readAllBytes(file);
                int[] status = new int[1];
                cl_program p = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device.id()},
                        new long[] {binary.length}, new byte[][] {binary}, status, null);
                clBuildProgram(p, 0, null, options, null, null);
                note[0] = "loaded from cache " + file;
                return p;
            } catch (CLException | IOException e) {
                LOG.warning(() -> "OpenCL: ignoring unusable cached program " + file + ": " + e.getMessage());
            }
        }
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(p, 0, null, options, null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL build of rns.cl failed on " + device.name() + ": "
                    + e.getMessage() + "\n" + buildLog(p), e);
        }
        note[0] = "built from source";
        if (file != null) {
            try {
                long[] size = new long[1];
                clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
                if (size[0] > 0) {
                    byte[] binary = new byte[(int) size[0]];
                    Pointer bp = Pointer.to(binary);
                    clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(bp), null);
                    Files.createDirectories(file.getParent());
                    Path tmp = Files.createTempFile(file.getParent(), key, ".tmp");
                    Files.write(tmp, binary);
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    note[0] += ", cached as " + file;
                }
            } catch (IOException | RuntimeException e) {
                LOG.fine(() -> "OpenCL: could not cache the program binary: " + e);
            }
        }
        return p;
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private static java.util.Optional<Path> cacheDir() {
        String configured = System.getProperty("hecnn.cache.dir");
        if (configured != null && !configured.isBlank()) {
            return java.util.Optional.of(Path.of(configured, "opencl"));
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank() && Files.isWritable(Path.of(home))) {
            return java.util.Optional.of(Path.of(home, ".cache", "hecnn", "opencl"));
        }
        String tmp = System.getProperty("java.io.tmpdir");
        return tmp == null ? java.util.Optional.empty() : java.util.Optional.of(Path.of(tmp, "hecnn-cache", "opencl"));
    }

    public OpenClDevices.Device device() {
        return device;
    }

    /** How the program was obtained (built or loaded from the cache) and how long it took. */
    public String buildNote() {
        return buildNote;
    }

    @Override
    public String backendName() {
        return "opencl";
    }

    @Override
    public String deviceDescription() {
        return device.describe();
    }

    @Override
    public int maxWorkGroupSize() {
        return maxWorkGroup;
    }

    @Override
    public int tileLog() {
        return tileLog;
    }

    private static cl_mem mem(GpuBuffer b) {
        return ((Buffer) b).mem;
    }

    @Override
    public GpuBuffer allocate(long bytes) {
        return new Buffer(clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null), bytes);
    }

    @Override
    public void free(GpuBuffer buffer) {
        clReleaseMemObject(mem(buffer));
    }

    @Override
    public void write(GpuBuffer dst, long dstOffsetBytes, long[] src, int srcIndex, int count) {
        if (count == 0) {
            return;
        }
        clEnqueueWriteBuffer(queue, mem(dst), CL_TRUE, dstOffsetBytes, 8L * count,
                Pointer.to(src).withByteOffset(8L * srcIndex), 0, null, null);
    }

    @Override
    public void write(GpuBuffer dst, int[] src) {
        if (src.length == 0) {
            return;
        }
        clEnqueueWriteBuffer(queue, mem(dst), CL_TRUE, 0, 4L * src.length, Pointer.to(src), 0, null, null);
    }

    @Override
    public void read(GpuBuffer src, long srcOffsetBytes, long[] dst, int dstIndex, int count) {
        if (count == 0) {
            return;
        }
        clEnqueueReadBuffer(queue, mem(src), CL_TRUE, srcOffsetBytes, 8L * count,
                Pointer.to(dst).withByteOffset(8L * dstIndex), 0, null, null);
    }

    @Override
    public void copy(GpuBuffer src, long srcOffsetBytes, GpuBuffer dst, long dstOffsetBytes, long bytes) {
        if (bytes == 0) {
            return;
        }
        clEnqueueCopyBuffer(queue, mem(src), mem(dst), srcOffsetBytes, dstOffsetBytes, bytes, 0, null, null);
    }

    @Override
    public void zero(GpuBuffer dst, long offsetBytes, long bytes) {
        if (bytes == 0) {
            return;
        }
        clEnqueueFillBuffer(queue, mem(dst), Pointer.to(new long[] {0}), 8, offsetBytes, bytes, 0, null, null);
    }

    @Override
    public void launch(Kernel kernel, int gridX, int gridY, int blockX, Object... args) {
        cl_kernel k = kernels.get(kernel);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Buffer b) {
                CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(b.mem));
            } else if (a instanceof Integer v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            } else {
                throw new IllegalArgumentException("unsupported kernel argument " + a + " for " + kernel);
            }
        }
        clEnqueueNDRangeKernel(queue, k, 2, null, new long[] {(long) gridX * blockX, gridY},
                new long[] {blockX, 1}, 0, null, null);
    }

    @Override
    public void finish() {
        clFinish(queue);
    }

    @Override
    public DeviceTimer timer() {
        return new DeviceTimer() {
            private long start;

            @Override
            public void start() {
                clFinish(queue);
                start = System.nanoTime();
            }

            @Override
            public double stopMillis() {
                clFinish(queue);
                return (System.nanoTime() - start) / 1e6;
            }
        };
    }

    @Override
    public void close() {
        for (cl_kernel k : kernels.values()) {
            clReleaseKernel(k);
        }
        kernels.clear();
        clReleaseProgram(program);
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
