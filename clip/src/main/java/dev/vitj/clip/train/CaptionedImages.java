package dev.vitj.clip.train;

import dev.vitj.core.data.CsvLine;
import dev.vitj.core.data.Dataset;
import dev.vitj.core.data.Example;
import dev.vitj.core.image.ImageDecoder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Image-caption pairs listed in a CSV file, the input format of {@code vitj train-clip --data DIR}:
 *
 * <pre>
 *   DIR/captions.csv
 *     image,caption,label                                 header row; label is optional
 *     images/0001.png,a large red circle in the top left,circle
 *     images/0002.jpg,"a cat, asleep on a chair",cat
 *   DIR/images/0001.png ...                               paths relative to DIR
 * </pre>
 *
 * UTF-8; comma-separated; a field may be double-quoted (then it may hold commas, and {@code ""} stands for a
 * quote); unquoted fields are trimmed; blank lines are skipped; columns are found by their header names, in
 * any order, and other columns are ignored. With a {@code label} column every row needs a label: the class
 * names are the distinct labels sorted, and they give {@code vitj train-clip} its zero-shot validation. An
 * image may appear in several rows (several captions of one image).
 *
 * <p>Images are decoded on access with {@link ImageDecoder}, converted to RGB ({@code u8/255}), and keep their
 * own size: resize them to a common size before batching. Every listed file is checked to exist up front.
 */
public final class CaptionedImages implements Dataset {
    /** The file name of the list. */
    public static final String CAPTIONS_CSV = "captions.csv";

    private record Row(Path image, String caption, int label) {}

    private final Path file;
    private final List<Row> rows;
    private final List<String> classNames; // empty without a label column

    private CaptionedImages(Path file, List<Row> rows, List<String> classNames) {
        this.file = file;
        this.rows = rows;
        this.classNames = classNames;
    }

    /** Reads {@code dir/captions.csv}. */
    public static CaptionedImages open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + ": not a folder (expected a folder with " + CAPTIONS_CSV + ")");
        }
        Path csv = dir.resolve(CAPTIONS_CSV);
        if (!Files.isRegularFile(csv)) {
            throw new NoSuchFileException(csv + ": missing (a caption folder lists its pairs in " + CAPTIONS_CSV
                    + " with the header image,caption[,label])");
        }
        return read(csv);
    }

    /** Reads a caption list; image paths are relative to the folder holding it. */
    public static CaptionedImages read(Path csv) throws IOException {
        List<String> lines;
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            lines = r.lines().toList();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof CharacterCodingException) {
                throw new IOException(csv + ": not UTF-8 text", e.getCause());
            }
            throw e.getCause();
        }
        int headerAt = 0;
        while (headerAt < lines.size() && lines.get(headerAt).isBlank()) {
            headerAt++;
        }
        if (headerAt == lines.size()) {
            throw new IOException(csv + ": empty (expected the header image,caption[,label] and one row per pair)");
        }
        List<String> header = CsvLine.split(CsvLine.stripBom(lines.get(headerAt)), csv, headerAt + 1);
        int imageCol = column(header, "image", csv);
        int captionCol = column(header, "caption", csv);
        int labelCol = header.indexOf("label");
        if (imageCol < 0 || captionCol < 0) {
            throw new IOException(csv + ": line " + (headerAt + 1) + ": the header must name the columns 'image' and "
                    + "'caption' (and optionally 'label'), got " + header);
        }
        Path base = csv.toAbsolutePath().getParent();
        List<String[]> raw = new ArrayList<>();
        List<Integer> lineNos = new ArrayList<>();
        TreeSet<String> labels = new TreeSet<>();
        for (int i = headerAt + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            List<String> f = CsvLine.split(line, csv, i + 1);
            if (f.size() != header.size()) {
                throw new IOException(csv + ": line " + (i + 1) + ": " + f.size() + " fields, the header has "
                        + header.size());
            }
            String image = f.get(imageCol);
            String caption = f.get(captionCol);
            String label = labelCol < 0 ? null : f.get(labelCol);
            if (image.isEmpty() || caption.isBlank()) {
                throw new IOException(csv + ": line " + (i + 1) + ": empty " + (image.isEmpty() ? "image path" : "caption"));
            }
            if (labelCol >= 0 && label.isBlank()) {
                throw new IOException(csv + ": line " + (i + 1) + ": empty label (with a 'label' column every row "
                        + "needs one)");
            }
            Path img = base.resolve(image).normalize();
            if (!Files.isRegularFile(img)) {
                throw new NoSuchFileException(csv + ": line " + (i + 1) + ": image " + img + " does not exist");
            }
            raw.add(new String[] {img.toString(), caption, label});
            lineNos.add(i + 1);
            if (label != null) {
                labels.add(label);
            }
        }
        if (raw.isEmpty()) {
            throw new IOException(csv + ": no image-caption rows after the header");
        }
        List<String> classes = List.copyOf(labels);
        List<Row> rows = new ArrayList<>(raw.size());
        for (String[] r : raw) {
            rows.add(new Row(Path.of(r[0]), r[1], r[2] == null ? 0 : classes.indexOf(r[2])));
        }
        return new CaptionedImages(csv, List.copyOf(rows), classes);
    }

    /** The caption list this dataset was read from. */
    public Path file() {
        return file;
    }

    /** Whether the list has a {@code label} column (then {@link #classNames()} are its distinct labels). */
    public boolean hasLabels() {
        return !classNames.isEmpty();
    }

    /** The image file of pair {@code index}. */
    public Path image(int index) {
        return rows.get(index).image();
    }

    /** The caption of pair {@code index}. */
    public String caption(int index) {
        return rows.get(index).caption();
    }

    /** Every caption, in order (e.g. to learn a BPE vocabulary from). */
    public List<String> captions() {
        return rows.stream().map(Row::caption).toList();
    }

    @Override
    public int size() {
        return rows.size();
    }

    /** The sorted distinct labels, or an empty list without a {@code label} column (every label is then 0). */
    @Override
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Decodes pair {@code index}.
     *
     * @throws UncheckedIOException naming the file when it cannot be read or decoded
     */
    @Override
    public Example get(int index) {
        Row r = rows.get(index);
        return Example.fromImageFile(r.image(), r.label(), r.caption());
    }

    private static int column(List<String> header, String name, Path csv) throws IOException {
        int at = -1;
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).toLowerCase(Locale.ROOT).equals(name)) {
                if (at >= 0) {
                    throw new IOException(csv + ": the header names the column '" + name + "' twice");
                }
                at = i;
            }
        }
        return at;
    }
}
