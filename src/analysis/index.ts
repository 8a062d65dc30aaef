/**
 * webgrad.analysis: tools the optimizer lab uses to look inside training, built from the library's own
 * ops: PCA of weight trajectories, loss landscapes along filter-normalised directions, gradient statistics.
 * @module
 */
export { pca, symmetricEigen, type PcaResult } from './pca.js';
export { filterNormalizedDirection, lossLandscape, type DirectionOptions, type LandscapeOptions, type LandscapeResult, type LossFn } from './landscape.js';
export { gradientStats, layerGradNorms, type GradientStats, type Named } from './grad_stats.js';
