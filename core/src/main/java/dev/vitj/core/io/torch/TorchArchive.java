package dev.vitj.core.io.torch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The zip container of {@code torch.save} (PyTorch 1.6 and later). All records sit in one top folder whose
 * name varies ({@code archive/}, or the file's base name):
 * <pre>
 *   FOLDER/data.pkl     the pickled object (for weights: a dict of tensors)
 *   FOLDER/data/KEY     raw bytes of the storage with that key, C order, no header
 *   FOLDER/byteorder    "little" or "big" (absent in older files: little)
 *   FOLDER/version      the format version, a decimal number
 * </pre>
 * Entries may be stored or deflated. Storage bytes are streamed on request through a small buffer
 * straight into the caller's (native) buffer, never held whole in the Java heap.
 */
final class TorchArchive implements AutoCloseable {
    /** Refuse pickles larger than this: a state dict's pickle is ~100 bytes per tensor. */
    static final long MAX_PICKLE_BYTES = 256L << 20;

    private static final int CHUNK = 1 << 16;

    private final Path file;
    private final ZipFile zip;
    private final String folder;     // "archive/" and the like
    private final ByteOrder byteOrder;

    private TorchArchive(Path file, ZipFile zip, String folder, ByteOrder byteOrder) {
        this.file = file;
        this.zip = zip;
        this.folder = folder;
        this.byteOrder = byteOrder;
    }

    /** Opens the zip and finds its records; reads nothing but the small {@code byteorder} and {@code version}. */
    static TorchArchive open(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new TorchFormatException(file, null, notZipReason(file) + " (" + e.getMessage() + ")", e);
        }
        try {
            String folder = findFolder(file, zip);
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(folder + "byteorder");
            if (bo != null) {
                String s = new String(readSmall(file, zip, bo, 16), StandardCharsets.US_ASCII).strip();
                order = switch (s) {
                    case "little" -> ByteOrder.LITTLE_ENDIAN;
                    case "big" -> ByteOrder.BIG_ENDIAN;
                    default -> throw new TorchFormatException(file, bo.getName(),
                            "byte order must be 'little' or 'big', got '" + s + "'");
                };
            }
            ZipEntry version = zip.getEntry(folder + "version");
            if (version != null) {
                String s = new String(readSmall(file, zip, version, 32), StandardCharsets.US_ASCII).strip();
                if (!s.matches("[0-9]{1,9}")) {
                    throw new TorchFormatException(file, version.getName(), "format version must be a number, got '" + s + "'");
                }
            }
            return new TorchArchive(file, zip, folder, order);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** The single top folder holding {@code data.pkl}, with its trailing slash. */
    private static String findFolder(Path file, ZipFile zip) throws TorchFormatException {
        List<String> candidates = new ArrayList<>();
        List<String> sample = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            if (sample.size() < 5) {
                sample.add(name);
            }
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                candidates.add(name.substring(0, slash + 1));
            }
        }
        if (candidates.isEmpty()) {
            throw new TorchFormatException(file, null, "zip has no FOLDER/data.pkl entry, so it is not a torch.save "
                    + "checkpoint (first entries: " + sample + ")");
        }
        if (candidates.size() > 1) {
            throw new TorchFormatException(file, null, "zip has " + candidates.size() + " data.pkl records "
                    + candidates + "; expected exactly one");
        }
        String folder = candidates.get(0);
        if (zip.getEntry(folder + "constants.pkl") != null) {
            throw new TorchFormatException(file, folder + "constants.pkl", "this is a TorchScript archive "
                    + "(torch.jit.save), which holds code; save model.state_dict() with torch.save instead");
        }
        return folder;
    }

    private static String notZipReason(Path file) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            // The legacy format starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes.
            if (n == 4 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a && head[3] == 10) {
                return "legacy torch.save format (PyTorch < 1.6 or _use_new_zipfile_serialization=False) is not "
                        + "supported; re-save it with a current PyTorch";
            }
        } catch (IOException ignored) {
            // fall through to the generic reason
        }
        return "not a zip archive, so not a PyTorch checkpoint written by torch.save";
    }

    /** The archive file. */
    Path file() {
        return file;
    }

    /** The zip entry name of the pickle. */
    String pickleEntry() {
        return folder + "data.pkl";
    }

    /** The zip entry name of a storage. */
    String storageEntry(String key) {
        return folder + "data/" + key;
    }

    /** The byte order of the storages. */
    ByteOrder byteOrder() {
        return byteOrder;
    }

    /** The pickle bytes (bounded by {@link #MAX_PICKLE_BYTES}). */
    byte[] readPickle() throws IOException {
        return readSmall(file, zip, zip.getEntry(pickleEntry()), MAX_PICKLE_BYTES);
    }

    /** Declared uncompressed size of a storage entry (-1 when the zip does not say), or an error when it is missing. */
    long storageSize(String key) throws TorchFormatException {
        return entry(key).getSize();
    }

    private ZipEntry entry(String key) throws TorchFormatException {
        ZipEntry e = zip.getEntry(storageEntry(key));
        if (e == null) {
            throw new TorchFormatException(file, storageEntry(key), "storage entry is missing from the zip");
        }
        return e;
    }

    /**
     * Copies {@code length} bytes of a storage, starting at byte {@code offset}, into {@code dst} at its
     * position, converting elements of {@code elementBytes} bytes to the native byte order.
     */
    void read(String key, long offset, long length, ByteBuffer dst, int elementBytes) throws IOException {
        ZipEntry e = entry(key);
        String name = e.getName();
        if (length > dst.remaining()) {
            throw new IllegalArgumentException("destination too small");
        }
        int start = dst.position();
        try (InputStream in = zip.getInputStream(e)) {
            skipFully(in, offset, name, offset + length);
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, length))];
            long done = 0;
            while (done < length) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, length - done));
                if (n < 0) {
                    throw new TorchFormatException(file, name, "storage entry ends after " + (offset + done)
                            + " bytes, but " + (offset + length) + " are needed (truncated or corrupt archive)");
                }
                dst.put(chunk, 0, n);
                done += n;
            }
        } catch (ZipException | EOFException ze) {
            throw corruptEntry(file, name, ze);
        }
        if (byteOrder != ByteOrder.nativeOrder() && elementBytes > 1) {
            swapBytes(dst, start, (int) length, elementBytes);
        }
    }

    private void skipFully(InputStream in, long n, String name, long needed) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new TorchFormatException(file, name, "storage entry ends after " + (n - left)
                            + " bytes, but " + needed + " are needed (truncated or corrupt archive)");
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static void swapBytes(ByteBuffer b, int start, int nbytes, int width) {
        for (int i = start; i < start + nbytes; i += width) {
            for (int a = i, z = i + width - 1; a < z; a++, z--) {
                byte t = b.get(a);
                b.put(a, b.get(z));
                b.put(z, t);
            }
        }
    }

    /** Reads a whole small entry, refusing more than {@code limit} bytes whatever its header claims. */
    private static byte[] readSmall(Path file, ZipFile zip, ZipEntry e, long limit) throws IOException {
        if (e.getSize() > limit) {
            throw new TorchFormatException(file, e.getName(), "entry of " + e.getSize() + " bytes exceeds the limit of "
                    + limit + " bytes");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) limit);
            if (b.length == limit && in.read() >= 0) {
                throw new TorchFormatException(file, e.getName(), "entry exceeds the limit of " + limit + " bytes");
            }
            return b;
        } catch (ZipException | EOFException ze) {
            throw corruptEntry(file, e.getName(), ze);
        }
    }

    /**
     * java.util.zip's complaint about an entry as a format error naming the file and entry: a ZipException
     * (bad compressed data, bad header), or an EOFException when the central directory puts the entry's local
     * header past the end of the file.
     */
    private static TorchFormatException corruptEntry(Path file, String entry, IOException e) {
        String why = e instanceof EOFException ? "its data lies past the end of the file" : e.getMessage();
        return new TorchFormatException(file, entry, "corrupt zip entry: " + why, e);
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
