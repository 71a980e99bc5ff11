package dev.vitj.core.nn;

import java.util.SplittableRandom;

/**
 * Seeded random draws for weight initialisation, shared by the vision and text towers, so that a model built
 * from a seed is the same on every machine (no dependence on ND4J's random generator or thread count).
 */
public final class WeightInit {
    private WeightInit() {}

    /** A standard normal sample (Marsaglia's polar method). */
    public static double standardNormal(SplittableRandom rng) {
        double u;
        double w;
        double s;
        do {
            u = rng.nextDouble(-1, 1);
            w = rng.nextDouble(-1, 1);
            s = u * u + w * w;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
