package org.hecnn.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Files through Hadoop's FileSystem (local, HDFS, S3A, ...), from the driver's Hadoop configuration shipped to the
 * executors as its entries.
 */
final class HadoopFiles implements Serializable {
    private final HashMap<String, String> entries;
    private transient Configuration conf;

    HadoopFiles(Configuration driverConf) {
        entries = new HashMap<>();
        for (Map.Entry<String, String> e : driverConf) {
            entries.put(e.getKey(), e.getValue());
        }
        conf = driverConf;
    }

    Configuration conf() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            conf = c;
        }
        return conf;
    }

    /** The path's file system; for local files the raw one, which writes no .crc files beside each file. */
    FileSystem fs(Path p) throws IOException {
        FileSystem fs = p.getFileSystem(conf());
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    boolean exists(Path p) throws IOException {
        return fs(p).exists(p);
    }

    /** The whole file; a missing file is a {@link FileNotFoundException}. */
    byte[] read(Path p) throws IOException {
        FileSystem fs = fs(p);
        FileStatus st = fs.getFileStatus(p);
        if (st.getLen() > Integer.MAX_VALUE - 16) {
            throw new IOException(p + " is larger than 2 GiB");
        }
        byte[] out = new byte[(int) st.getLen()];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, out);
        }
        return out;
    }

    InputStream open(Path p) throws IOException {
        return fs(p).open(p, 1 << 20);
    }

    /**
     * Writes {@code bytes} to {@code target} through {@code temp} and a rename, so that {@code target} appears whole
     * or not at all. If {@code target} exists already (another attempt of the same task wrote it: its content is the
     * same evaluation of the same request), it is kept and the temporary file removed. Returns whether this call
     * created {@code target}.
     */
    boolean writeOnce(Path temp, Path target, byte[] bytes) throws IOException {
        FileSystem fs = fs(target);
        try (OutputStream out = fs.create(temp, true)) {
            out.write(bytes);
        }
        fs.mkdirs(target.getParent());
        boolean renamed = fs.rename(temp, target); // atomic; false (HDFS) when the target exists
        if (!renamed) {
            fs.delete(temp, false);
            if (!fs.exists(target)) {
                throw new IOException("cannot rename " + temp + " to " + target);
            }
        }
        return renamed;
    }
}
