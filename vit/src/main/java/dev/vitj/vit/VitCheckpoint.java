package dev.vitj.vit;

import dev.vitj.core.image.ImagePreprocessor;
import dev.vitj.core.image.PreprocessConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * A loaded vision model: the network with its weights and the image preprocessing those weights
 * expect. Produced by {@link TimmLoader} and {@link VisionModelLoader}.
 *
 * @param format     where it came from, e.g. {@code "timm"}
 * @param name       the architecture and tag, e.g. {@code vit_base_patch16_224.augreg2_in21k_ft_in1k}
 * @param model      the network, in inference mode
 * @param preprocess how to turn an image into the model's input (for {@link ImagePreprocessor}); null for
 *                   models that do not take RGB input
 * @param source     the directory it was loaded from
 * @param labelNames the class of each head output, in order (timm's {@code label_names}), or null when the
 *                   checkpoint names none
 */
public record VitCheckpoint(String format, String name, VisionTransformer model, PreprocessConfig preprocess,
                            Path source, List<String> labelNames) {
    public VitCheckpoint {
        if (model == null) {
            throw new IllegalArgumentException("VitCheckpoint needs a model");
        }
        if (preprocess == null && model.config().inChans() == 3) {
            throw new IllegalArgumentException("VitCheckpoint of an RGB model needs a preprocessing config");
        }
        if (preprocess != null && preprocess.size() != model.config().imgSize()) {
            throw new IllegalArgumentException("preprocessing size " + preprocess.size() + " does not match the model's "
                    + "input size " + model.config().imgSize());
        }
    }

    /**
     * The image preprocessor for this model.
     *
     * @throws IllegalStateException when the model does not take RGB images
     */
    public ImagePreprocessor preprocessor() {
        if (preprocess == null) {
            throw new IllegalStateException(name + " takes " + model.config().inChans()
                    + "-channel input, not RGB images; feed preprocessed pixel values");
        }
        return new ImagePreprocessor(preprocess);
    }

    /** The model's configuration. */
    public VitConfig config() {
        return model.config();
    }
}
