package dev.vitj.core.data;

import dev.vitj.core.image.ImageDecodeException;
import dev.vitj.core.image.ImageDecoder;
import dev.vitj.core.image.RasterImage;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One training example: an RGB image, a class label, and where the dataset has them a caption, an
 * object mask and the object's box. The arrays are shared, not copied: treat them as read-only
 * (transforms return new arrays).
 *
 * @param pixels  the image, channel-major {@code [3, H, W]} row-major ({@code pixels[(c*H + y)*W + x]}),
 *                values in [0, 1] until normalised
 * @param height  H
 * @param width   W
 * @param label   class id, {@code 0 <= label < classNames().size()} of the dataset
 * @param caption a description, or null
 * @param mask    {@code [H][W]}, true on the object's pixels, or null
 * @param box     the object's box (tight around the mask when there is one), or null
 */
public record Example(float[] pixels, int height, int width, int label, String caption, boolean[][] mask, Box box) {
    /** Image channels (RGB). */
    public static final int CHANNELS = 3;

    public Example {
        Objects.requireNonNull(pixels, "pixels");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (pixels.length != CHANNELS * height * width) {
            throw new IllegalArgumentException("pixels: expected 3*" + height + "*" + width + " = "
                    + CHANNELS * height * width + " values ([3, H, W]), got " + pixels.length);
        }
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, got " + label);
        }
        if (mask != null) {
            if (mask.length != height) {
                throw new IllegalArgumentException("mask has " + mask.length + " rows, image height is " + height);
            }
            for (boolean[] row : mask) {
                if (row.length != width) {
                    throw new IllegalArgumentException("mask row of length " + row.length + ", image width is " + width);
                }
            }
        }
        if (box != null && (box.xMax() > width || box.yMax() > height)) {
            throw new IllegalArgumentException(box + " does not fit in a " + width + "x" + height + " image");
        }
    }

    /**
     * An example from an image file: decoded with {@link ImageDecoder}, converted to RGB (PIL's
     * {@code convert("RGB")}), values {@code u8/255}, at the file's own size; no mask or box.
     *
     * @throws UncheckedIOException wrapping an {@link ImageDecodeException} that names the file
     */
    public static Example fromImageFile(Path image, int label, String caption) {
        RasterImage img;
        try {
            img = ImageDecoder.read(image).toRgb();
        } catch (ImageDecodeException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        int w = img.width();
        int h = img.height();
        int[] rgb = img.samples(); // [H, W, 3] interleaved
        float[] px = new float[CHANNELS * h * w]; // [3, H, W]
        for (int i = 0; i < h * w; i++) {
            for (int c = 0; c < CHANNELS; c++) {
                px[c * h * w + i] = rgb[3 * i + c] / 255f;
            }
        }
        return new Example(px, h, w, label, caption, null, null);
    }

    /** Channel {@code c} at row {@code y}, column {@code x}. */
    public float pixel(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }

    /** The same example with another image (same label and caption); mask and box as given. */
    public Example withImage(float[] newPixels, int newHeight, int newWidth, boolean[][] newMask, Box newBox) {
        return new Example(newPixels, newHeight, newWidth, label, caption, newMask, newBox);
    }

    /** The same example with other pixel values of the same size. */
    public Example withPixels(float[] newPixels) {
        return new Example(newPixels, height, width, label, caption, mask, box);
    }

    /** The same example with another caption. */
    public Example withCaption(String newCaption) {
        return new Example(pixels, height, width, label, newCaption, mask, box);
    }

    /** Number of mask pixels (0 without a mask). */
    public int maskArea() {
        int n = 0;
        if (mask != null) {
            for (boolean[] row : mask) {
                for (boolean b : row) {
                    n += b ? 1 : 0;
                }
            }
        }
        return n;
    }
}
