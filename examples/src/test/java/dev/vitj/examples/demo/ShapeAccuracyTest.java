package dev.vitj.examples.demo;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ShapeAccuracy}: classes matched to the shapes by name, whatever their order or number. */
class ShapeAccuracyTest {
    // ShapesDataset order: circle 0, square 1, triangle 2, cross 3, star 4.

    /** Logits that put the highest score on head output {@code column}. */
    private static float[] pick(int classes, int column) {
        float[] l = new float[classes];
        l[column] = 1;
        return l;
    }

    @Test
    void matchesClassesByNameNotPosition() {
        List<String> names = List.of("star", "Cross ", "triangle", "square", "CIRCLE");
        int[] truth = {0, 1, 4, 3, 2};
        float[][] logits = {
                pick(5, 4), // circle named circle: right
                pick(5, 3), // square named square: right
                pick(5, 0), // star named star: right
                pick(5, 4), // cross named circle: wrong
                pick(5, 2), // triangle named triangle: right
        };
        ShapeAccuracy a = ShapeAccuracy.score(names, logits, truth);
        assertEquals(0.8, a.accuracy(), 1e-12);
        assertEquals(0.2, a.chance(), 1e-12);
        assertEquals(0.0, (double) a.perShape().get("cross").get("accuracy"));
        int[][] confusion = (int[][]) a.summary().get("confusion");
        assertArrayEquals(new int[] {1, 0, 0, 0, 0}, confusion[3], "the cross was called a circle");
    }

    @Test
    void aLargerHeadPredictsTheBestShapeClass() {
        List<String> names = List.of("dog", "circle", "square", "triangle", "cross", "star", "cat");
        float[] l = {9, 0.1f, 0.5f, 0, 0, 0, 9}; // dog and cat score highest, square best of the shapes
        ShapeAccuracy a = ShapeAccuracy.score(names, new float[][] {l}, new int[] {1});
        assertEquals(1.0, a.accuracy(), 0.0);
        assertTrue(a.summary().containsKey("note"));
    }

    @Test
    void saysWhyAHeadCannotBeScored() {
        assertNull(ShapeAccuracy.unusable(List.of("circle", "square", "triangle", "cross", "star"), 5));
        assertTrue(ShapeAccuracy.unusable(null, 5).contains("label_names"));
        assertTrue(ShapeAccuracy.unusable(List.of("circle"), 0).contains("no classifier head"));
        assertTrue(ShapeAccuracy.unusable(List.of("circle", "square"), 3).contains("2 label_names"));
        String missing = ShapeAccuracy.unusable(List.of("circle", "square", "triangle", "plus", "star"), 5);
        assertTrue(missing.endsWith("do not name the shape(s) cross"), missing);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeAccuracy.score(List.of("a", "b"), new float[][] {{1, 2}}, new int[] {0}));
        assertTrue(e.getMessage().contains("do not name"), e.getMessage());
    }

    @Test
    void perShapeCountsAddUp() {
        List<String> names = List.of("circle", "square", "triangle", "cross", "star");
        int[] truth = {0, 0, 1, 4, 4, 4};
        float[][] logits = new float[truth.length][];
        for (int i = 0; i < truth.length; i++) {
            logits[i] = pick(5, truth[i]);
        }
        ShapeAccuracy a = ShapeAccuracy.score(names, logits, truth);
        Map<String, Map<String, Object>> per = a.perShape();
        assertEquals(2, per.get("circle").get("images"));
        assertEquals(0, per.get("triangle").get("images"));
        assertTrue(Double.isNaN((double) per.get("triangle").get("accuracy")));
        assertEquals(0.5, a.chance(), 1e-12);
        assertEquals(1.0, a.accuracy(), 0.0);
    }
}
