package dev.vitj.vit.localize;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.data.CsvLine;
import dev.vitj.core.image.ImageDecodeException;
import dev.vitj.core.image.ImageDecoder;
import dev.vitj.core.image.RasterImage;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Ground-truth object locations, looked up by image key, always in the original image's pixel frame.
 *
 * <p>Three sources: a folder of mask images ({@link #maskFolder}), a CSV of boxes ({@link #boxesCsv})
 * and CheXlocalize segmentation JSON ({@link #chexlocalize}). Malformed entries are reported when the
 * source is opened, with the file and the key or line.
 *
 * <p><b>Keys.</b> An image {@code ROOT/patient1/study1/view1_frontal.jpg} is matched, in this order, by
 * its relative path without extension ({@code patient1/study1/view1_frontal}), the same joined with
 * underscores ({@code patient1_study1_view1_frontal}, CheXlocalize's image ids) and its bare file stem
 * ({@code view1_frontal}); see {@link #keyFor}. For images directly in ROOT all three are the stem.
 */
public interface GroundTruth {
    /** File name extensions (lower case) treated as images by the readers and {@link #stem}. */
    Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

    /**
     * The ground-truth mask of an image, in that image's pixel frame.
     *
     * @param key    the image's key (one of {@link #keys()})
     * @param height the image height (boxes are rasterised at this size; masks must match it)
     * @param width  the image width
     * @return the mask (possibly empty: an image annotated as showing nothing), or empty when this source
     *         has no entry for the key
     * @throws IOException when the entry cannot be read or does not fit the image, naming the file and key
     */
    Optional<BinaryMask> mask(String key, int height, int width) throws IOException;

    /** Every key this source has an entry for, in file order. */
    Set<String> keys();

    /** The key of {@code image} (a file under {@code root}) in this source, if it has one; see the class comment. */
    default Optional<String> keyFor(Path root, Path image) {
        Set<String> keys = keys();
        for (String k : candidateKeys(root, image)) {
            if (keys.contains(k)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /**
     * The keys an image file may be known by, most specific first: relative path without extension
     * ('/'-separated), the same with '_' for '/', the file stem.
     */
    static List<String> candidateKeys(Path root, Path image) {
        Path rel = root.toAbsolutePath().normalize().relativize(image.toAbsolutePath().normalize());
        String path = stripExtension(rel.toString().replace('\\', '/'));
        Set<String> out = new LinkedHashSet<>();
        out.add(path);
        out.add(path.replace('/', '_'));
        out.add(stem(image));
        return List.copyOf(out);
    }

    /** The file name without its extension when that is an image extension ({@code a.b.png -> a.b}). */
    static String stem(Path file) {
        return stripExtension(file.getFileName().toString());
    }

    /** {@code name} without a trailing image extension ({@link #IMAGE_EXTENSIONS}), else unchanged. */
    private static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        if (dot > slash + 1 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
            return name.substring(0, dot);
        }
        return name;
    }

    /** Whether a file name has one of the {@link #IMAGE_EXTENSIONS}. */
    static boolean isImageFile(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Mask images in a folder (and its subfolders), keyed by relative path without extension. A pixel is
     * foreground when any colour sample is non-zero (alpha is ignored), so 0/1 and 0/255 label images both
     * work; for palette images the palette index counts (index 0 = background). Masks are decoded when
     * asked for and must have their image's size.
     */
    static GroundTruth maskFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": mask folder does not exist");
        }
        Map<String, Path> files = new TreeMap<>();
        for (Path p : listImages(dir)) {
            String key = stripExtension(dir.relativize(p).toString().replace('\\', '/'));
            Path prev = files.put(key, p);
            if (prev != null) {
                throw new IOException(dir + ": two mask files share the key '" + key + "': " + prev.getFileName()
                        + " and " + p.getFileName());
            }
        }
        return new GroundTruth() {
            @Override
            public Optional<BinaryMask> mask(String key, int height, int width) throws IOException {
                Path p = files.get(key);
                if (p == null) {
                    return Optional.empty();
                }
                RasterImage img;
                try {
                    img = ImageDecoder.read(p);
                } catch (ImageDecodeException e) {
                    throw new IOException("mask " + e.getMessage(), e);
                }
                if (img.height() != height || img.width() != width) {
                    throw new IOException(p + ": mask is " + img.width() + "x" + img.height()
                            + " but its image is " + width + "x" + height);
                }
                int bands = img.bands();
                int colour = img.mode().hasAlpha() ? bands - 1 : bands;
                int[] s = img.samples(); // [H * W * bands], row-major
                boolean[] b = new boolean[height * width];
                for (int i = 0; i < b.length; i++) {
                    for (int c = 0; c < colour && !b[i]; c++) {
                        b[i] = s[i * bands + c] != 0;
                    }
                }
                return Optional.of(BinaryMask.ofRowMajor(height, width, b));
            }

            @Override
            public Set<String> keys() {
                return files.keySet();
            }
        };
    }

    /** Image files under {@code dir}, recursively, sorted by path (hidden files and folders skipped). */
    static List<Path> listImages(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && isImageFile(p) && !hidden(dir, p)).sorted().toList();
        }
    }

    private static boolean hidden(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Boxes from a CSV with every label; see {@link #boxesCsv(Path, String)}. */
    static GroundTruth boxesCsv(Path csv) throws IOException {
        return boxesCsv(csv, null);
    }

    /**
     * Boxes from a CSV with the header {@code image,x_min,y_min,x_max,y_max[,label]}; several rows per
     * image are united. {@code image} is an image key or file name (an image extension is dropped).
     * Coordinates are continuous pixel coordinates of the original image, pixel {@code i} covering
     * {@code [i, i + 1)} (COCO's convention; a box {@code 0,0,2,2} covers the 2x2 top-left pixels), see
     * {@link BinaryMask#fromBoxes}. Fields may be double-quoted.
     *
     * @param label null for every row; otherwise only rows with this label (needs the label column)
     */
    static GroundTruth boxesCsv(Path csv, String label) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(csv + ": not UTF-8 text", e);
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new IOException(csv + ": empty file (expected header image,x_min,y_min,x_max,y_max[,label])");
        }
        String first = CsvLine.stripBom(lines.get(0));
        List<String> header = CsvLine.split(first, csv, 1);
        List<String> want = List.of("image", "x_min", "y_min", "x_max", "y_max");
        boolean hasLabel = header.size() == 6 && header.get(5).equals("label");
        if (header.size() < 5 || !header.subList(0, 5).equals(want) || (header.size() == 6 && !hasLabel)
                || header.size() > 6) {
            throw new IOException(csv + ": line 1: header must be image,x_min,y_min,x_max,y_max[,label], got '"
                    + first + "'");
        }
        if (label != null && !hasLabel) {
            throw new IOException(csv + ": a label was asked for ('" + label + "') but the file has no label column");
        }
        Map<String, List<double[]>> boxes = new LinkedHashMap<>();
        Set<String> labels = new TreeSet<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            List<String> f = CsvLine.split(lines.get(i), csv, lineNo);
            if (f.size() != header.size()) {
                throw new IOException(csv + ": line " + lineNo + ": expected " + header.size() + " fields, got "
                        + f.size());
            }
            String key = stripExtension(f.get(0).replace('\\', '/'));
            if (key.startsWith("./")) {
                key = key.substring(2);
            }
            if (key.isEmpty()) {
                throw new IOException(csv + ": line " + lineNo + ": empty image name");
            }
            double[] b = new double[4];
            for (int k = 0; k < 4; k++) {
                try {
                    b[k] = Double.parseDouble(f.get(k + 1));
                } catch (NumberFormatException e) {
                    throw new IOException(csv + ": line " + lineNo + ": column " + want.get(k + 1)
                            + " is not a number: '" + f.get(k + 1) + "'");
                }
                if (!Double.isFinite(b[k])) {
                    throw new IOException(csv + ": line " + lineNo + ": column " + want.get(k + 1) + " is not finite");
                }
            }
            if (b[2] < b[0] || b[3] < b[1]) {
                throw new IOException(csv + ": line " + lineNo + ": x_max/y_max must not be below x_min/y_min");
            }
            if (hasLabel) {
                labels.add(f.get(5));
            }
            if (label == null || label.equals(f.get(5))) {
                boxes.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
            }
        }
        if (label != null && !labels.contains(label)) {
            throw new IOException(csv + ": no box has the label '" + label + "' (labels: " + String.join(", ", labels)
                    + ")");
        }
        return new GroundTruth() {
            @Override
            public Optional<BinaryMask> mask(String key, int height, int width) {
                List<double[]> bs = boxes.get(key);
                return bs == null ? Optional.empty()
                        : Optional.of(BinaryMask.fromBoxes(height, width, bs.toArray(new double[0][])));
            }

            @Override
            public Set<String> keys() {
                return boxes.keySet();
            }
        };
    }

    /**
     * CheXlocalize segmentations: {@code {image_id: {pathology: {"size": [H, W], "counts": RLE}}}} with COCO
     * RLE (column-major; {@code counts} a compressed string or a list of run lengths). Every entry is
     * checked when the file is read (so errors name {@code image_id.pathology} up front), but masks are
     * expanded only when asked for: a full CheXlocalize split holds thousands of X-ray-sized masks.
     *
     * <p>CheXlocalize lists every pathology for every image, with an empty mask where it is absent; such
     * an image comes back as an empty mask (see {@link Localization#score}: leave it out).
     *
     * @param pathology null unites every pathology of an image; otherwise only that one (exact name, e.g.
     *                  {@code "Airspace Opacity"}); a name no image has is an error listing the names found
     */
    static GroundTruth chexlocalize(Path json, String pathology) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try (Reader r = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
            root = om.readTree(r);
        } catch (IOException e) {
            throw new IOException(json + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(json + ": expected a JSON object of image ids");
        }
        record Rle(int height, int width, long[] runs) {}
        Map<String, List<Rle>> entries = new LinkedHashMap<>();
        Set<String> pathologies = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> img = it.next();
            if (!img.getValue().isObject()) {
                throw new IOException(json + ": " + img.getKey() + ": expected an object of pathologies");
            }
            List<Rle> selected = new ArrayList<>();
            int[] size = null;
            for (Iterator<Map.Entry<String, JsonNode>> pit = img.getValue().fields(); pit.hasNext(); ) {
                Map.Entry<String, JsonNode> path = pit.next();
                String key = img.getKey() + "." + path.getKey();
                Rle rle;
                try {
                    int[] hw = rleSize(path.getValue());
                    long[] runs = rleCounts(path.getValue().get("counts"));
                    CocoRle.validate(hw[0], hw[1], runs);
                    rle = new Rle(hw[0], hw[1], runs);
                } catch (IllegalArgumentException e) {
                    throw new IOException(json + ": " + key + ": " + e.getMessage(), e);
                }
                if (size != null && (size[0] != rle.height() || size[1] != rle.width())) {
                    throw new IOException(json + ": " + key + ": size [" + rle.height() + ", " + rle.width()
                            + "] differs from the image's other pathologies, [" + size[0] + ", " + size[1] + "]");
                }
                size = new int[] {rle.height(), rle.width()};
                pathologies.add(path.getKey());
                if (pathology == null || pathology.equals(path.getKey())) {
                    selected.add(rle);
                }
            }
            if (!selected.isEmpty()) {
                entries.put(img.getKey(), selected);
            }
        }
        if (pathology != null && entries.isEmpty()) {
            throw new IOException(json + ": no image has the pathology '" + pathology + "' (pathologies: "
                    + String.join(", ", pathologies) + ")");
        }
        return new GroundTruth() {
            @Override
            public Optional<BinaryMask> mask(String key, int height, int width) throws IOException {
                List<Rle> rles = entries.get(key);
                if (rles == null) {
                    return Optional.empty();
                }
                Rle first = rles.get(0);
                if (first.height() != height || first.width() != width) {
                    throw new IOException(json + ": " + key + ": RLE size [" + first.height() + ", " + first.width()
                            + "] (H, W) does not match the image, " + width + "x" + height + " (W x H)");
                }
                BinaryMask union = null;
                for (Rle r : rles) {
                    BinaryMask m = CocoRle.toMask(r.height(), r.width(), r.runs());
                    union = union == null ? m : union.or(m);
                }
                return Optional.of(union);
            }

            @Override
            public Set<String> keys() {
                return entries.keySet();
            }
        };
    }

    /** {@code [H, W]} of an RLE object, checked. */
    private static int[] rleSize(JsonNode rle) {
        if (!rle.isObject() || !rle.has("size") || !rle.has("counts")) {
            throw new IllegalArgumentException("expected {\"size\": [H, W], \"counts\": ...}");
        }
        JsonNode size = rle.get("size");
        if (!size.isArray() || size.size() != 2 || !size.get(0).isIntegralNumber() || !size.get(1).isIntegralNumber()
                || !size.get(0).canConvertToInt() || !size.get(1).canConvertToInt()
                || size.get(0).asInt() <= 0 || size.get(1).asInt() <= 0) {
            throw new IllegalArgumentException("size: expected [H, W] with positive integers, got " + size);
        }
        int h = size.get(0).asInt();
        int w = size.get(1).asInt();
        if ((long) h * w > ImageDecoder.MAX_PIXELS) {
            throw new IllegalArgumentException("size: " + h + "x" + w + " is larger than any image vitj decodes ("
                    + ImageDecoder.MAX_PIXELS + " pixels)");
        }
        return new int[] {h, w};
    }

    /** Run lengths from a compressed string or a list of integers. */
    private static long[] rleCounts(JsonNode counts) {
        if (counts.isTextual()) {
            try {
                return CocoRle.decodeCounts(counts.textValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("counts: " + e.getMessage(), e);
            }
        }
        if (counts.isArray()) {
            long[] runs = new long[counts.size()];
            for (int i = 0; i < runs.length; i++) {
                if (!counts.get(i).isIntegralNumber() || !counts.get(i).canConvertToLong()) {
                    throw new IllegalArgumentException("counts: entry " + i + " is not an integer");
                }
                runs[i] = counts.get(i).asLong();
            }
            return runs;
        }
        throw new IllegalArgumentException("counts: must be a string or an array of integers");
    }
}
