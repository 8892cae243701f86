package flowscale.runtime.search;

import flowscale.kernels.Tensor;

/**
 * A search's particles: {@code n} latents {@code x} with the model outputs {@code u} that drive their next step, and
 * their clean estimates {@code x0}. Where {@code x} and {@code u} live is the model's business: in backend tensors on its
 * device when it has a device path ({@link Device}: the SDE step, the estimate and the noise then run there), in host
 * arrays otherwise ({@link Host}). The estimates are always on the host, because a reward reads them: on a device they
 * are downloaded once per batch, and that download and the selection's indices are all that crosses per candidate.
 * A model spread over several devices with device paths ({@link Sharded}) keeps each device's share of the rows there.
 */
abstract sealed class Particles permits Particles.Host, Particles.Device, Particles.Sharded {
    final int n;
    final float[][] x0;

    private Particles(int n, int dim) {
        this.n = n;
        this.x0 = SearchRun.buffers(n, dim);
    }

    /** Particle {@code from} (latent, output, estimate) becomes particle {@code to} of {@code dst}. */
    abstract void copy(int from, Particles dst, int to);

    /** Particle {@code i < n} of {@code dst} becomes particle {@code from[i]} of this set (a resampling); {@code dst} is another set. */
    void gather(int[] from, int n, Particles dst) {
        if (dst == this) throw new IllegalArgumentException("gather into the set it reads");
        for (int i = 0; i < n; i++) copy(from[i], dst, i);
    }

    /** Latents and outputs in host arrays. */
    static final class Host extends Particles {
        final float[][] x, u;

        Host(int n, int dim) {
            super(n, dim);
            x = SearchRun.buffers(n, dim);
            u = SearchRun.buffers(n, dim);
        }

        @Override
        void copy(int from, Particles dst, int to) {
            Host d = (Host) dst;
            System.arraycopy(x[from], 0, d.x[to], 0, x[from].length);
            System.arraycopy(u[from], 0, d.u[to], 0, u[from].length);
            System.arraycopy(x0[from], 0, d.x0[to], 0, x0[from].length);
        }
    }

    /** Latents and outputs as rows of {@code [n, dim]} tensors on the model's device (reused buffers, see SearchRun). */
    static final class Device extends Particles {
        final Tensor x, u;

        Device(int n, int dim, Tensor x, Tensor u) {
            super(n, dim);
            this.x = x;
            this.u = u;
        }

        Tensor x(int i) {
            return x.rowRange(i, 1);
        }

        Tensor u(int i) {
            return u.rowRange(i, 1);
        }

        /** Two device gathers (latents and outputs; only the indices go up) and the estimates' host copies. */
        @Override
        void gather(int[] from, int n, Particles dst) {
            if (dst == this) throw new IllegalArgumentException("gather into the set it reads");
            Device d = (Device) dst;
            x.backend().gatherRows(x, from, d.x.rowRange(0, n));
            x.backend().gatherRows(u, from, d.u.rowRange(0, n));
            for (int i = 0; i < n; i++) System.arraycopy(x0[from[i]], 0, d.x0[i], 0, x0[from[i]].length);
        }

        @Override
        void copy(int from, Particles dst, int to) {
            Device d = (Device) dst;
            x.backend().copy(x(from), d.x(to));
            x.backend().copy(u(from), d.u(to));
            System.arraycopy(x0[from], 0, d.x0[to], 0, x0[from].length);
        }
    }

    /**
     * Latents and outputs spread over several devices: device {@code d} holds rows {@code [bounds[d], bounds[d+1])} as
     * rows of its own {@code [count, dim]} tensors (the split of {@code model.shards()} for this set's size). A particle
     * that moves to a row on another device goes through the host (two latents down and up); within a device it is a
     * device copy.
     */
    static final class Sharded extends Particles {
        final int[] bounds;
        final Tensor[] x, u;

        Sharded(int n, int dim, int[] bounds, Tensor[] x, Tensor[] u) {
            super(n, dim);
            this.bounds = bounds;
            this.x = x;
            this.u = u;
        }

        /** The device that holds row {@code i}. */
        int device(int i) {
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("particle " + i + " of " + n);
            int d = 0;
            while (i >= bounds[d + 1]) d++;
            return d;
        }

        Tensor x(int i) {
            int d = device(i);
            return x[d].rowRange(i - bounds[d], 1);
        }

        Tensor u(int i) {
            int d = device(i);
            return u[d].rowRange(i - bounds[d], 1);
        }

        /** Rows {@code [bounds[d], min(bounds[d+1], n))} of device {@code d}: how many of the first {@code n} it holds. */
        int count(int d, int n) {
            return Math.max(0, Math.min(bounds[d + 1], n) - bounds[d]);
        }

        @Override
        void copy(int from, Particles dst, int to) {
            Sharded d = (Sharded) dst;
            move(x(from), d.x(to));
            move(u(from), d.u(to));
            System.arraycopy(x0[from], 0, d.x0[to], 0, x0[from].length);
        }

        /** One row to another, on the same device or through the host. */
        static void move(Tensor from, Tensor to) {
            if (from.backend() == to.backend()) {
                from.backend().copy(from, to);
                return;
            }
            float[] row = new float[Math.toIntExact(from.size())];
            from.backend().download(from, row, 0);
            to.backend().upload(row, 0, to);
        }
    }
}
