package dev.vitj.clip;

import dev.vitj.vit.VisionModelFormat;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitCheckpoint;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Path;

/**
 * OpenCLIP directories for {@link dev.vitj.vit.VisionModelLoader} (registered as a service): the image
 * tower alone, a {@link VisionTransformer} whose head is open_clip's projection, so its "logits" are the
 * image features. Only the {@code visual.*} tensors are read. Used by {@code vitj attention} and the
 * other vision commands.
 */
public final class OpenClipVisionFormat implements VisionModelFormat {
    /** The format name in {@link VitCheckpoint#format()}. */
    public static final String NAME = "open_clip";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean accepts(Path dir) {
        return OpenClip.isOpenClipDirectory(dir);
    }

    @Override
    public VitCheckpoint load(Path dir, DataType type) throws IOException {
        return loadVision(dir, type);
    }

    /** The image tower of an OpenCLIP directory with its preprocessing. */
    public static VitCheckpoint loadVision(Path dir, DataType type) throws IOException {
        OpenClip.checkType(type);
        OpenClip.Config cfg = OpenClip.readConfig(dir);
        Path weights = OpenClip.weightsFile(dir);
        VisionTransformer visual = OpenClip.loadWeights(weights, type, cfg.model(), "visual.",
                k -> k.startsWith("visual."), () -> new VisionTransformer(ClipModel.visionConfig(cfg.model())));
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new VitCheckpoint(NAME, name == null ? dir.toString() : name.toString(), visual, cfg.preprocess(), dir, null);
    }
}
