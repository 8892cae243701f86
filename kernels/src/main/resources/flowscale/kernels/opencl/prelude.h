/*
 * flowscale kernel prelude: the few words that differ between OpenCL C and CUDA C.
 * Kernel bodies use only these macros and plain C, so the same family files compile as
 * OpenCL C (through the OpenCL runtime) and as CUDA C to PTX (with this prelude's CUDA half).
 *
 * Index arithmetic uses "idx_t" (64-bit) because views address buffers of more than 2^31 floats.
 * HAS_VECTOR_TYPES guards the float4/float8 variants that only CPU OpenCL devices are given.
 */
#ifndef FLOWSCALE_PRELUDE_H
#define FLOWSCALE_PRELUDE_H

#if defined(__OPENCL_VERSION__)

#define KERNEL        __kernel
#define GLOBAL        __global
#define LOCAL         __local
#define LOCAL_DECL    __local
#define DEVICE_FN     inline
#define GLOBAL_ID(d)  ((idx_t) get_global_id(d))
#define LOCAL_ID(d)   ((int) get_local_id(d))
#define GROUP_ID(d)   ((idx_t) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
#define NUM_GROUPS(d) ((idx_t) get_num_groups(d))
#define LOCAL_BARRIER barrier(CLK_LOCAL_MEM_FENCE)
#define EXP(x)        exp(x)
#define TANH(x)       tanh(x)
#define SQRT(x)       sqrt(x)
#define RSQRT(x)      rsqrt(x)
#define COS(x)        cos(x)
#define SIN(x)        sin(x)
#define FMAX(a, b)    fmax(a, b)
#define ISNAN(x)      isnan(x)
/* exactly rounded fma, leading zeros and bit casts on 32-bit words (normal.cl's quantile-v2 transform) */
#define FMAF(a, b, c) fma(a, b, c)
#define CLZ32(x)      clz(x)
#define AS_FLOAT(x)   as_float(x)
#define AS_UINT(x)    as_uint(x)
#define MUL_HI32(a, b) mul_hi(a, b)
/* FLOWSCALE_GENERIC_ONLY builds only what a CUDA build would: tests use it to prove that path stands alone. */
#ifdef FLOWSCALE_GENERIC_ONLY
#define HAS_VECTOR_TYPES 0
#else
#define HAS_VECTOR_TYPES 1
#endif
typedef long idx_t;

#elif defined(__CUDACC__)

#define KERNEL        extern "C" __global__
#define GLOBAL
#define LOCAL
#define LOCAL_DECL    __shared__
#define DEVICE_FN     __device__ inline
#define GLOBAL_ID(d)  ((idx_t) ((d) == 0 ? blockIdx.x * blockDim.x + threadIdx.x : (d) == 1 ? blockIdx.y * blockDim.y + threadIdx.y : blockIdx.z * blockDim.z + threadIdx.z))
#define LOCAL_ID(d)   ((int) ((d) == 0 ? threadIdx.x : (d) == 1 ? threadIdx.y : threadIdx.z))
#define GROUP_ID(d)   ((idx_t) ((d) == 0 ? blockIdx.x : (d) == 1 ? blockIdx.y : blockIdx.z))
#define LOCAL_SIZE(d) ((int) ((d) == 0 ? blockDim.x : (d) == 1 ? blockDim.y : blockDim.z))
#define NUM_GROUPS(d) ((idx_t) ((d) == 0 ? gridDim.x : (d) == 1 ? gridDim.y : gridDim.z))
#define LOCAL_BARRIER __syncthreads()
#define EXP(x)        expf(x)
#define TANH(x)       tanhf(x)
#define SQRT(x)       sqrtf(x)
#define RSQRT(x)      rsqrtf(x)
#define COS(x)        cosf(x)
#define SIN(x)        sinf(x)
#define FMAX(a, b)    fmaxf(a, b)
#define ISNAN(x)      isnan(x)
#define FMAF(a, b, c) fmaf(a, b, c)
#define CLZ32(x)      ((unsigned int) __clz((int) (x)))
#define AS_FLOAT(x)   __uint_as_float(x)
#define AS_UINT(x)    __float_as_uint(x)
#define MUL_HI32(a, b) __umulhi(a, b)
#define HAS_VECTOR_TYPES 0
typedef long long idx_t;

#else
#error "flowscale kernels compile as OpenCL C or CUDA C only"
#endif

#define NEG_INF (-INFINITY)

#endif
