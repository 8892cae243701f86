package flowscale.loader;

/**
 * Limits the reader enforces before it trusts anything in a file.
 *
 * @param maxHeaderBytes the largest header (JSON) accepted; the reference reader's cap is 100,000,000 bytes.
 *                       The header is copied to the heap for parsing, so the cap also bounds that allocation.
 */
public record ReaderOptions(long maxHeaderBytes) {
    /** The reference reader's header cap. */
    public static final long DEFAULT_MAX_HEADER_BYTES = 100_000_000L;

    /** Largest cap that still fits the header in one Java array. */
    public static final long LARGEST_MAX_HEADER_BYTES = Integer.MAX_VALUE - 16L;

    public ReaderOptions {
        if (maxHeaderBytes < 2 || maxHeaderBytes > LARGEST_MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("maxHeaderBytes must be in [2, " + LARGEST_MAX_HEADER_BYTES
                    + "], got " + maxHeaderBytes);
        }
    }

    public static ReaderOptions defaults() {
        return new ReaderOptions(DEFAULT_MAX_HEADER_BYTES);
    }
}
