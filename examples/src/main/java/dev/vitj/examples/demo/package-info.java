/**
 * {@code vitj demo}: the end-to-end analysis of a CLIP model (and of a second model beside it) on held-out
 * synthetic shapes images, as one offline HTML report. {@link dev.vitj.examples.demo.Demo} runs the stages
 * in order; each stage is one class that computes its numbers, writes its figures and contributes a report
 * section and a {@code summary.json} entry ({@link dev.vitj.examples.demo.Section}).
 */
package dev.vitj.examples.demo;
