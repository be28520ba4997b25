package org.hecnn.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import org.hecnn.kernels.KernelSources;
import org.hecnn.kernels.engine.DeviceTimer;
import org.hecnn.kernels.engine.GpuBuffer;
import org.hecnn.kernels.engine.GpuRuntime;
import org.hecnn.kernels.engine.Kernel;

/**
 * {@link GpuRuntime} over one CUDA device through the JCuda driver API: the device's primary context, one stream
 * for all work, the packaged fatbin (sm_80/sm_90 cubins and compute_90 PTX) or, failing that, the compute_80 PTX,
 * loaded with {@code cuModuleLoadData}. Transfers from and to the host use the synchronous driver copies, which
 * order themselves after the stream's work (the stream is a blocking stream).
 */
public final class CudaRuntime implements GpuRuntime {
    private static final Logger LOG = Logger.getLogger(CudaRuntime.class.getName());
    /** System property: the CUDA device ordinal to use (default 0). */
    public static final String PROPERTY = "hecnn.cuda.device";

    private static final class Buffer implements GpuBuffer {
        final CUdeviceptr ptr;
        final long bytes;

        Buffer(CUdeviceptr ptr, long bytes) {
            this.ptr = ptr;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }
    }

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CUmodule module = new CUmodule();
    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    private final String description;
    private final String imageNote;
    private final int maxThreads;
    private boolean closed;

    /** Describes the device and driver without opening a context (for availability reports). */
    static String probe(int ordinal) {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        if (count[0] == 0) {
            throw new IllegalStateException("the CUDA driver reports no device");
        }
        if (ordinal >= count[0]) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + ordinal + " but only " + count[0]
                    + " CUDA device(s) exist");
        }
        CUdevice d = new CUdevice();
        cuDeviceGet(d, ordinal);
        return describe(d, ordinal, count[0]);
    }

    private static String describe(CUdevice d, int ordinal, int count) {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, d);
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int[] v = new int[1];
        cuDriverGetVersion(v);
        int driver = v[0];
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d);
        int major = v[0];
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d);
        int minor = v[0];
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d);
        int sms = v[0];
        long[] mem = new long[1];
        cuDeviceTotalMem(mem, d);
        return "CUDA device " + ordinal + "/" + count + " '" + new String(name, 0, len, StandardCharsets.UTF_8)
                + "' sm_" + major + minor + ", " + sms + " SMs, " + (mem[0] >> 20) + " MiB, driver API "
                + driver / 1000 + "." + (driver % 1000) / 10;
    }

    public CudaRuntime(int ordinal) {
        this.ordinal = ordinal;
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        cuDeviceGet(device, ordinal);
        description = describe(device, ordinal, count[0]);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        String note;
        Optional<byte[]> fatbin = KernelSources.cudaFatbin();
        Optional<byte[]> ptx = KernelSources.cudaPtx();
        if (fatbin.isEmpty() && ptx.isEmpty()) {
            throw new IllegalStateException(KernelSources.NO_CUDA_KERNELS);
        }
        CudaException fatbinError = null;
        if (fatbin.isPresent()) {
            try {
                cuModuleLoadData(module, fatbin.get());
                note = "fatbin";
            } catch (CudaException e) {
                fatbinError = e;
                note = null;
            }
        } else {
            note = null;
        }
        if (note == null) {
            if (ptx.isEmpty()) {
                throw new IllegalStateException("the packaged CUDA fatbin does not load on " + description + ": "
                        + fatbinError.getMessage());
            }
            cuModuleLoadData(module, ptx.get());
            note = "compute_80 PTX (JIT)" + (fatbinError == null ? "" : "; fatbin failed: " + fatbinError.getMessage());
        }
        imageNote = note;
        int threads = 1024;
        for (Kernel k : Kernel.values()) {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, k.entry());
            functions.put(k, f);
            int[] v = new int[1];
            cuFuncGetAttribute(v, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f);
            threads = Math.min(threads, v[0]);
        }
        maxThreads = Integer.highestOneBit(Math.max(1, threads));
        cuStreamCreate(stream, 0);
        String info = KernelSources.cudaBuildInfo().map(p -> p.getProperty("nvcc", "?")).orElse("?");
        LOG.info(() -> "CUDA: using " + description + "; kernels from the " + imageNote + " built by " + info
                + "; max block " + maxThreads);
    }

    private void current() {
        if (closed) {
            throw new IllegalStateException("CUDA runtime is closed");
        }
        cuCtxSetCurrent(context);
    }

    public String imageNote() {
        return imageNote;
    }

    @Override
    public String backendName() {
        return "cuda";
    }

    @Override
    public String deviceDescription() {
        return description;
    }

    @Override
    public int maxWorkGroupSize() {
        return maxThreads;
    }

    @Override
    public int tileLog() {
        return KernelSources.TILE_LOG;
    }

    private static CUdeviceptr ptr(GpuBuffer b) {
        return ((Buffer) b).ptr;
    }

    @Override
    public GpuBuffer allocate(long bytes) {
        current();
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(bytes, 8));
        return new Buffer(p, bytes);
    }

    @Override
    public void free(GpuBuffer buffer) {
        if (closed) {
            return;
        }
        current();
        cuMemFree(ptr(buffer));
    }

    @Override
    public void write(GpuBuffer dst, long dstOffsetBytes, long[] src, int srcIndex, int count) {
        if (count == 0) {
            return;
        }
        current();
        cuMemcpyHtoD(ptr(dst).withByteOffset(dstOffsetBytes), Pointer.to(src).withByteOffset(8L * srcIndex),
                8L * count);
    }

    @Override
    public void write(GpuBuffer dst, int[] src) {
        if (src.length == 0) {
            return;
        }
        current();
        cuMemcpyHtoD(ptr(dst), Pointer.to(src), 4L * src.length);
    }

    @Override
    public void read(GpuBuffer src, long srcOffsetBytes, long[] dst, int dstIndex, int count) {
        if (count == 0) {
            return;
        }
        current();
        cuStreamSynchronize(stream);
        cuMemcpyDtoH(Pointer.to(dst).withByteOffset(8L * dstIndex), ptr(src).withByteOffset(srcOffsetBytes),
                8L * count);
    }

    @Override
    public void copy(GpuBuffer src, long srcOffsetBytes, GpuBuffer dst, long dstOffsetBytes, long bytes) {
        if (bytes == 0) {
            return;
        }
        current();
        cuMemcpyDtoDAsync(ptr(dst).withByteOffset(dstOffsetBytes), ptr(src).withByteOffset(srcOffsetBytes), bytes,
                stream);
    }

    @Override
    public void zero(GpuBuffer dst, long offsetBytes, long bytes) {
        if (bytes == 0) {
            return;
        }
        current();
        cuMemsetD32Async(ptr(dst).withByteOffset(offsetBytes), 0, bytes / 4, stream);
    }

    @Override
    public void launch(Kernel kernel, int gridX, int gridY, int blockX, Object... args) {
        current();
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Buffer b) {
                params[i] = Pointer.to(b.ptr);
            } else if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else {
                throw new IllegalArgumentException("unsupported kernel argument " + a + " for " + kernel);
            }
        }
        cuLaunchKernel(functions.get(kernel), gridX, gridY, 1, blockX, 1, 1, 0, stream, Pointer.to(params), null);
    }

    @Override
    public void finish() {
        current();
        cuStreamSynchronize(stream);
    }

    @Override
    public DeviceTimer timer() {
        current();
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
        cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
        return new DeviceTimer() {
            @Override
            public void start() {
                synchronized (CudaRuntime.this) {
                    current();
                    cuEventRecord(start, stream);
                }
            }

            @Override
            public double stopMillis() {
                float[] ms = new float[1];
                synchronized (CudaRuntime.this) {
                    current();
                    cuEventRecord(stop, stream);
                    cuEventSynchronize(stop);
                    cuEventElapsedTime(ms, start, stop);
                }
                return ms[0];
            }

            @Override
            public void close() {
                synchronized (CudaRuntime.this) {
                    if (!closed) {
                        current();
                        cuEventDestroy(start);
                        cuEventDestroy(stop);
                    }
                }
            }
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            current();
            cuCtxSynchronize();
            cuStreamDestroy(stream);
            cuModuleUnload(module);
            cuDevicePrimaryCtxRelease(device);
            closed = true;
        }
    }

    int ordinal() {
        return ordinal;
    }
}
