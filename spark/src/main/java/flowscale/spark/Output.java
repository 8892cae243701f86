package flowscale.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.net.URI;

/**
 * The batch's output directory on a Hadoop FileSystem, and how a prompt's directory gets there: written whole under
 * {@value #TEMPORARY}{@code /NAME.ATTEMPT}, then renamed to {@code NAME}. A directory named {@code NAME} is therefore
 * complete, and a retried or speculative attempt that finds it leaves it alone; a killed attempt leaves only a
 * temporary directory, which the driver removes.
 */
final class Output {
    /** Where attempts write before they commit. */
    static final String TEMPORARY = "_temporary";

    private Output() {}

    /**
     * The file system of {@code out}. The local file system is taken raw: its checksummed form would add a hidden
     * {@code .NAME.crc} beside every file, which {@code generate} does not write.
     */
    static FileSystem fileSystem(String out, Configuration conf) throws IOException {
        FileSystem fs = FileSystem.get(URI.create(out), conf);
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** Whether the prompt's directory is complete (committed by an earlier attempt or run). */
    static boolean complete(FileSystem fs, Path out, String name) throws IOException {
        return fs.exists(new Path(out, name));
    }

    /**
     * Copies the local directory {@code local} to {@code out/NAME} through a temporary directory and a rename.
     * Returns false when another attempt committed {@code NAME} first (then this attempt's copy is deleted).
     */
    static boolean commit(FileSystem fs, java.nio.file.Path local, Path out, String name, String attempt) throws IOException {
        Path target = new Path(out, name);
        if (fs.exists(target)) return false;
        Path temporary = new Path(new Path(out, TEMPORARY), name + "." + attempt);
        fs.delete(temporary, true);
        fs.mkdirs(temporary.getParent());
        fs.copyFromLocalFile(false, true, new Path(local.toUri()), temporary);
        if (fs.exists(target)) {
            fs.delete(temporary, true);
            return false;
        }
        boolean renamed = fs.rename(temporary, target);
        // FileSystem.rename onto a directory that appeared meanwhile moves the source into it: undo that.
        Path nested = new Path(target, temporary.getName());
        if (fs.exists(nested)) {
            fs.delete(nested, true);
            return false;
        }
        if (!renamed) {
            fs.delete(temporary, true);
            if (!fs.exists(target)) throw new IOException("cannot rename " + temporary + " to " + target);
            return false;
        }
        return true;
    }
}
