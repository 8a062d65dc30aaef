/**
 * nn: modules and layers, functional losses and activations, initialisation, data loading.
 *   import * as wg from 'webgrad';  new wg.nn.Linear(784, 128); wg.nn.functional.crossEntropy(logits, y);
 *
 * @module
 */
export { Module, Parameter, isParameter } from './module.js';
export type { LoadResult, StateValue } from './module.js';
export { Linear, Sequential, ReLU, Tanh, Sigmoid, GELU, Dropout, Flatten, Identity } from './layers.js';
export type { LinearOptions } from './layers.js';
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
export { DataLoader } from './data.js';
export type { Dataset, DataLoaderOptions } from './data.js';
export { loadMnist } from './mnist.js';
export type { Mnist, MnistSplit, LoadMnistOptions } from './mnist.js';
export { parseIdx, gunzip, type IdxData } from './idx.js';
export { BatchNorm1d, BatchNorm2d } from './norm.js';
export type { BatchNormModuleOptions } from './norm.js';
export { LeakyReLU, SiLU, Softmax, ModuleList } from './activation.js';
export { Conv2d, MaxPool2d, AvgPool2d } from './conv.js';
export type { Conv2dModuleOptions } from './conv.js';
export { Embedding, LayerNorm, MultiheadAttention } from './attention.js';
export type { LayerNormOptions, MhaForwardOptions } from './attention.js';
