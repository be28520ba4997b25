package org.hecnn.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.io.MalformedDataException;

/**
 * The client's own directory of a batch ({@link BatchFiles}): its secret key (in the clear, so the directory is
 * created 700 and the key file 600, and neither is ever part of what is shipped to the cluster), the service
 * description it was made for, and the index of the requests it encrypted: which images each holds and their labels.
 */
final class ClientDirectory {
    /** One request of the index. */
    record Entry(String id, String session, String data, int[] indices, int[] labels) {
    }

    private final Path dir;

    private ClientDirectory(Path dir) {
        this.dir = dir;
    }

    static ClientDirectory at(Path dir) {
        return new ClientDirectory(dir);
    }

    Path dir() {
        return dir;
    }

    Path secretKey() {
        return dir.resolve(BatchFiles.SECRET_KEY);
    }

    Path description() {
        return dir.resolve(BatchFiles.DESCRIPTION);
    }

    Path index() {
        return dir.resolve(BatchFiles.INDEX);
    }

    /**
     * The client of {@code service} this directory holds: its stored secret key, or (first use) a fresh one, stored
     * with the description. Fails if the directory's key belongs to another service.
     */
    InferenceClient openOrCreate(ServiceDescription service, byte[] descriptionBytes, BackendProvider backend) {
        if (Files.exists(secretKey())) {
            byte[] own = read(description(), "the client directory's service description");
            if (!Arrays.equals(own, descriptionBytes)) {
                throw new HecnnException("the client directory " + dir + " holds a key for another service "
                        + "description than the one given: use a new --client directory for this service");
            }
            return open(service, backend);
        }
        try {
            Files.createDirectories(dir);
            restrict(dir, "rwx------");
        } catch (IOException e) {
            throw new HecnnException("cannot create the client directory " + dir + ": " + e.getMessage(), e);
        }
        InferenceClient client = new InferenceClient(service, backend);
        byte[] secret = client.writeSecretKeyUnprotected();
        try {
            createPrivate(secretKey(), secret);
            Files.write(description(), descriptionBytes);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e instanceof IOException io ? new HecnnException("cannot write the secret key into " + dir + ": "
                    + io.getMessage(), io) : (RuntimeException) e;
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return client;
    }

    /** The client this directory holds (for decryption); fails if it holds none. */
    InferenceClient open(BackendProvider backend) {
        if (!Files.exists(secretKey())) {
            throw new HecnnException("the client directory " + dir + " has no " + BatchFiles.SECRET_KEY + ": give the "
                    + "--client directory `hecnn requests encrypt` wrote");
        }
        byte[] d = read(description(), "the client directory's service description");
        ServiceDescription service;
        try {
            service = ServiceDescription.fromBytes(d, false);
        } catch (MalformedDataException e) {
            throw new HecnnException(description() + " is not a service description: " + e.getMessage(), e);
        }
        return open(service, backend);
    }

    private InferenceClient open(ServiceDescription service, BackendProvider backend) {
        byte[] secret = read(secretKey(), "the secret key");
        try {
            return InferenceClient.withStoredSecretKey(service, backend, secret);
        } catch (MalformedDataException e) {
            throw new HecnnException(secretKey() + " is not a secret key of this service: " + e.getMessage(), e);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The requests encrypted so far, in the order they were made. */
    List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(index())) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(index(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HecnnException("cannot read " + index() + ": " + e.getMessage(), e);
        }
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            try {
                if (f.length != 5 || !BatchFiles.isRequestId(f[0]) || !BatchFiles.isSession(f[1])) {
                    throw new NumberFormatException("5 tab-separated fields expected");
                }
                int[] indices = ints(f[3]);
                int[] labels = ints(f[4]);
                if (indices.length != labels.length || indices.length == 0) {
                    throw new NumberFormatException("as many labels as images expected");
                }
                out.add(new Entry(f[0], f[1], f[2], indices, labels));
            } catch (NumberFormatException e) {
                throw new HecnnException(index() + " line " + (n + 1) + " is not an index line (" + e.getMessage()
                        + "): the file was edited or is corrupt");
            }
        }
        return out;
    }

    /** Appends requests to the index (creating it with its header line). */
    void append(List<Entry> entries) {
        try {
            boolean fresh = !Files.exists(index());
            try (BufferedWriter w = Files.newBufferedWriter(index(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                if (fresh) {
                    w.write("#id\tsession\tdata\timage indices\tlabels\n");
                }
                for (Entry e : entries) {
                    w.write(e.id() + "\t" + e.session() + "\t" + e.data() + "\t" + join(e.indices()) + "\t"
                            + join(e.labels()) + "\n");
                }
            }
        } catch (IOException e) {
            throw new HecnnException("cannot write " + index() + ": " + e.getMessage(), e);
        }
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String join(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int v : values) {
            sb.append(sb.isEmpty() ? "" : ",").append(v);
        }
        return sb.toString();
    }

    static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new HecnnException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code file} (it must not exist) readable and writable by its owner only, then writes it. */
    static void createPrivate(Path file, byte[] bytes) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) { // not a POSIX file system
            Files.createFile(file);
            java.io.File f = file.toFile();
            if (!(f.setReadable(false, false) && f.setReadable(true, true) && f.setWritable(false, false)
                    && f.setWritable(true, true))) {
                Files.delete(file);
                throw new IOException("cannot restrict " + file + " to its owner");
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " exists already", e);
        }
        Files.write(file, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void restrict(Path p, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the key file itself is restricted where it is created
        }
    }

    /** Writes {@code file} through a temporary file beside it and an atomic rename: readers see all of it or none. */
    static void writeAtomically(Path file, IoWriter writer) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write failed already; that is the error to report
            }
            throw new HecnnException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a file's content. */
    @FunctionalInterface
    interface IoWriter {
        void write(java.io.OutputStream out) throws IOException;
    }
}
