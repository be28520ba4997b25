/*
 * hecnn_compat.h: lets one kernel source (rns.cl) compile as OpenCL C 1.2 and as CUDA C++.
 *
 *   OpenCL: the Java side prepends this header to rns.cl and builds the program at run time.
 *   CUDA:   nvcc -x cu -include hecnn_compat.h rns.cl
 *
 * The kernel source uses only the macros below for qualifiers and intrinsics, plain C99 otherwise.
 */
#ifndef HECNN_COMPAT_H
#define HECNN_COMPAT_H

#ifndef HECNN_TILE_LOG
/* log2 of the NTT tile held in local/shared memory: 2^11 x 8 bytes = 16 KiB per work-group. */
#define HECNN_TILE_LOG 11
#endif
#define HECNN_TILE (1 << HECNN_TILE_LOG)

#if defined(__CUDACC__)

typedef unsigned long long u64;
typedef unsigned int u32;
#define KERNEL extern "C" __global__ void
#define DEVICE static __device__ __forceinline__
#define GLOBAL
#define LOCAL __shared__
#define GROUP_ID_X ((int) blockIdx.x)
#define GROUP_ID_Y ((int) blockIdx.y)
#define LOCAL_ID_X ((int) threadIdx.x)
#define LOCAL_SIZE_X ((int) blockDim.x)
#define LOCAL_BARRIER() __syncthreads()
#define MULHI64(a, b) __umul64hi((a), (b))
/* IEEE double operations that nvcc must not contract into fused multiply-adds (Java never fuses). */
#define DMUL_RN(a, b) __dmul_rn((a), (b))
#define DADD_RN(a, b) __dadd_rn((a), (b))
#define AS_DOUBLE(bits) __longlong_as_double((long long) (bits))
#define U64_TO_DOUBLE(x) __ull2double_rn(x)

#else /* OpenCL C 1.2 */

typedef ulong u64;
typedef uint u32;
#define KERNEL __kernel void
#define DEVICE static inline
#define GLOBAL __global
#define LOCAL __local
#define GROUP_ID_X ((int) get_group_id(0))
#define GROUP_ID_Y ((int) get_group_id(1))
#define LOCAL_ID_X ((int) get_local_id(0))
#define LOCAL_SIZE_X ((int) get_local_size(0))
#define LOCAL_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define MULHI64(a, b) mul_hi((u64) (a), (u64) (b))
/* Double precision (centred basis conversion quotients) without contraction into fused multiply-adds. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
#define DMUL_RN(a, b) ((a) * (b))
#define DADD_RN(a, b) ((a) + (b))
#define AS_DOUBLE(bits) as_double((u64) (bits))
#define U64_TO_DOUBLE(x) convert_double_rte((u64) (x))

#endif

#endif /* HECNN_COMPAT_H */
