package dev.vitj.core.data;

import dev.vitj.core.image.ImageDecodeException;
import dev.vitj.core.image.ImageDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images in one sub-folder per class (torchvision's {@code ImageFolder} layout):
 * {@code root/cat/001.png, root/dog/x.jpg, ...}. Class names are the sub-folder names sorted, and a
 * class's id is its position in that order; files are found recursively under each class folder and
 * sorted by path. Only image extensions are taken (png, jpg, jpeg, bmp, gif, tif, tiff, any case);
 * hidden files and folders (name starting with '.') are skipped.
 *
 * <p>Images are decoded on access with {@link ImageDecoder} and converted to RGB (PIL's
 * {@code convert("RGB")}), values {@code u8/255}; they keep their own size, so add a
 * {@link Resize}+{@link CenterCrop} or {@link RandomResizedCrop} before batching. The caption is
 * the class name; there is no mask or box.
 */
public final class ImageFolderDataset implements Dataset {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

    private record Sample(Path file, int label) {}

    private final Path root;
    private final List<String> classes;
    private final List<Sample> samples;

    /**
     * Indexes {@code root}.
     *
     * @throws IOException if {@code root} is not a folder, has no class folders, or a class folder
     *                     holds no image (each named in the message)
     */
    public ImageFolderDataset(Path root) throws IOException {
        this.root = root;
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a folder (expected one sub-folder of images per class)");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + ": no class sub-folders (expected root/<class>/<image files>)");
        }
        List<String> names = new ArrayList<>();
        List<Sample> all = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (int label = 0; label < classDirs.size(); label++) {
            Path dir = classDirs.get(label);
            names.add(dir.getFileName().toString());
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile).filter(p -> isImage(p) && !hiddenUnder(dir, p)).sorted().toList();
            }
            if (files.isEmpty()) {
                empty.add(dir.getFileName().toString());
            }
            for (Path f : files) {
                all.add(new Sample(f, label));
            }
        }
        if (!empty.isEmpty()) {
            throw new IOException(root + ": no image files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + ") for class(es) " + empty);
        }
        this.classes = List.copyOf(names);
        this.samples = List.copyOf(all);
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean hiddenUnder(Path dir, Path file) {
        for (Path part : dir.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** The file of example {@code index}. */
    public Path file(int index) {
        return samples.get(index).file();
    }

    @Override
    public int size() {
        return samples.size();
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    /**
     * Decodes example {@code index}.
     *
     * @throws UncheckedIOException wrapping an {@link ImageDecodeException} that names the file
     */
    @Override
    public Example get(int index) {
        Sample s = samples.get(index);
        return Example.fromImageFile(s.file(), s.label(), classes.get(s.label()));
    }
}
