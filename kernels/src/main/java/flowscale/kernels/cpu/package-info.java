/**
 * The {@code cpu} backend: {@link flowscale.kernels.cpu.CpuBackend} and its kernels, written with the
 * Java Vector API over off-heap memory and run on a small fork/join pool with one contiguous chunk of
 * work per thread.
 *
 * <p>Map of the package: {@code Simd} fixes the vector species for the JVM; {@code WorkerPool} runs a
 * job as chunks; each op family is one pre-allocated job ({@code GemmJob} with the {@code GemmKernel}
 * micro-kernel over {@code PackedPanels}, {@code AttentionJob}, {@code RowJob} for norms and adaLN,
 * {@code ElementwiseJob}, {@code ReductionJob}, {@code NormalJob}), bound to its operands through
 * {@code Operand} / {@code SpanJob} without allocating. The training ops ({@link flowscale.kernels.TrainingBackend})
 * live in {@code CpuBackward} with their own jobs: {@code ColumnReductionJob} (sums over rows),
 * {@code NormBackwardJob}, {@code AttentionBackwardJob} and {@code BackwardElementwiseJob}.
 */
package flowscale.kernels.cpu;
