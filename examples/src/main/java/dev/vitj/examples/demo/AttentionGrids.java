package dev.vitj.examples.demo;

import dev.vitj.examples.demo.ShapesImages.Sample;
import dev.vitj.examples.report.HtmlReport;
import dev.vitj.vit.explain.Colormap;
import dev.vitj.vit.explain.Heatmap;
import dev.vitj.vit.explain.Panel;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 6: where the class token looks, layer by layer and head by head, for a few images. One figure
 * per image: a row per layer, starting with the head-averaged map over the photo, then each head's map
 * on the patch grid (one block per patch, each map stretched to its own min..max). With a second model,
 * also one figure per image with both models' grids side by side ({@code attention_compare_k.png}),
 * which the report shows instead of the single-model ones.
 */
final class AttentionGrids implements Section {
    private static final int TILE = 112;
    private static final int GAP = 24;

    private final Map<String, Object> summary = new LinkedHashMap<>();
    private final Map<String, Object> compareSummary = new LinkedHashMap<>();
    private final List<HtmlReport.Figure> figures = new ArrayList<>();
    private String mainName;
    private String compareName;

    private AttentionGrids() {}

    /**
     * @param maps   per showcase image index: {@code [layer][head][g][g]} class-token attention
     * @param images the showcase images, in display order
     */
    static AttentionGrids run(Map<Integer, float[][][][]> maps, List<Sample> samples, List<Integer> images,
                              Path outDir) throws IOException {
        return run(maps, null, null, null, samples, images, outDir);
    }

    /**
     * As {@link #run(Map, List, List, Path)}, and with a second model's maps the side-by-side figures.
     *
     * @param mainName    a short name of the model the maps are of (figure titles); may be null without
     *                    a second model
     * @param compareMaps the second model's maps of the same images, or null for none
     * @param compareName its short name
     */
    static AttentionGrids run(Map<Integer, float[][][][]> maps, String mainName, Map<Integer, float[][][][]> compareMaps,
                              String compareName, List<Sample> samples, List<Integer> images, Path outDir)
            throws IOException {
        AttentionGrids a = new AttentionGrids();
        a.mainName = mainName;
        a.compareName = compareName;
        List<String> files = new ArrayList<>();
        List<String> compareFiles = new ArrayList<>();
        for (int k = 0; k < images.size(); k++) {
            int index = images.get(k);
            Sample s = samples.get(index);
            BufferedImage photo = s.photo().toBufferedImage();
            float[][][][] m = maps(maps, index);
            Path png = outDir.resolve("attention_" + (k + 1) + ".png");
            grid(m, photo, "image " + index + ": " + s.label() + ", CLS attention per layer and head").write(png);
            files.add(png.getFileName().toString());
            if (compareMaps == null) {
                a.figures.add(HtmlReport.figure("image " + index + ": " + s.label(), png));
                continue;
            }
            float[][][][] c = maps(compareMaps, index);
            BufferedImage both = sideBySide(
                    "image " + index + ": " + s.label() + ", CLS attention per layer and head",
                    grid(m, photo, mainName + " (" + m.length + " layers × " + m[0].length + " heads)").render(),
                    grid(c, photo, compareName + " (" + c.length + " layers × " + c[0].length + " heads)").render());
            Path cmp = outDir.resolve("attention_compare_" + (k + 1) + ".png");
            Heatmap.writePng(both, cmp);
            compareFiles.add(cmp.getFileName().toString());
            a.figures.add(HtmlReport.figure("image " + index + ": " + s.label() + "; left: " + mainName + ", right: "
                    + compareName, cmp));
        }
        float[][][][] first = maps(maps, images.get(0));
        a.summary.put("images", images);
        a.summary.put("layers", first.length);
        a.summary.put("heads", first[0].length);
        a.summary.put("files", files);
        if (compareMaps != null) {
            float[][][][] c = maps(compareMaps, images.get(0));
            a.compareSummary.put("images", images);
            a.compareSummary.put("layers", c.length);
            a.compareSummary.put("heads", c[0].length);
            a.compareSummary.put("files", compareFiles);
        }
        return a;
    }

    private static float[][][][] maps(Map<Integer, float[][][][]> maps, int index) {
        float[][][][] m = maps.get(index);
        if (m == null) {
            throw new IllegalStateException("no attention maps kept for held-out image " + index);
        }
        return m;
    }

    /** One model's grid for one image: per layer the head average over the photo, then every head. */
    private static Panel.Builder grid(float[][][][] m, BufferedImage photo, String title) {
        Heatmap overlay = Heatmap.defaults();
        int heads = m[0].length;
        Panel.Builder grid = Panel.builder().columns(heads + 1).tileSize(TILE, TILE).title(title);
        for (int l = 0; l < m.length; l++) {
            grid.add("layer " + l + " mean", overlay.overlay(photo, mean(m[l])));
            for (int h = 0; h < heads; h++) {
                grid.addMap("L" + l + " head " + h, m[l][h], Colormap.VIRIDIS);
            }
        }
        return grid;
    }

    /** Two figures next to each other at their own scale, top-aligned, under a common title. */
    static BufferedImage sideBySide(String title, BufferedImage left, BufferedImage right) {
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, 18);
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        FontMetrics fm = probe.getFontMetrics(font);
        probe.dispose();
        int titleHeight = fm.getHeight() + 12;
        int width = Math.max(left.getWidth() + GAP + right.getWidth(), fm.stringWidth(title) + 16);
        int height = titleHeight + Math.max(left.getHeight(), right.getHeight());
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(font);
            g.drawString(title, (width - fm.stringWidth(title)) / 2, 6 + fm.getAscent());
            g.drawImage(left, 0, titleHeight, null);
            g.setColor(Color.LIGHT_GRAY); // a rule between the two models
            g.fillRect(left.getWidth() + GAP / 2 - 1, titleHeight, 2, height - titleHeight);
            g.drawImage(right, left.getWidth() + GAP, titleHeight, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The head average of one layer's maps {@code [heads][g][g]}. */
    static float[][] mean(float[][][] heads) {
        int g = heads[0].length;
        float[][] out = new float[g][g];
        for (float[][] h : heads) {
            for (int r = 0; r < g; r++) {
                for (int c = 0; c < g; c++) {
                    out[r][c] += h[r][c] / heads.length;
                }
            }
        }
        return out;
    }

    @Override
    public String key() {
        return "attention_maps";
    }

    @Override
    public Object summary() {
        return summary;
    }

    /** The second model's entry ({@code layers}, {@code heads}, {@code files}); empty without one. */
    Map<String, Object> compareSummary() {
        return compareSummary;
    }

    @Override
    public void report(HtmlReport html) {
        html.section("3. Class-token attention per layer and head")
                .paragraph("Where the class token (whose final state becomes the image embedding) attends, in every"
                        + " layer (rows, first layer at the top) and every head (columns), for three held-out images."
                        + " The first column overlays the layer's head average on the photo; the others show each"
                        + " head's attention to the patch grid, one block per patch, yellow = most attention."
                        + " Each map is stretched to its own range, so compare shapes, not brightness, across tiles.");
        if (compareName != null) {
            html.paragraph("Two models side by side on the same images: " + mainName + " on the left, " + compareName
                    + " on the right (section 5 compares them further).");
        }
        html.figures(figures);
    }
}
