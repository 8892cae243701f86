package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * The same view, with the same contents, on the reference backend and on the candidate: each case runs
 * its op once per backend, picking that backend's tensors with {@link #on}.
 */
record Pair(Backend reference, Tensor ref, Tensor cand) {

    /** This pair's tensor for {@code backend} (the reference or the candidate of the running case). */
    Tensor on(Backend backend) {
        return backend == reference ? ref : cand;
    }

    /** Columns {@code [start, start+count)} of a 2-D pair (e.g. the shift chunk of an adaLN output). */
    Pair colRange(long start, long count) {
        return new Pair(reference, ref.colRange(start, count), cand.colRange(start, count));
    }

    String layout() {
        return "offset " + ref.offset() + " strides " + java.util.Arrays.toString(ref.strides());
    }
}
