/**
 * The WebGPU types webgrad's public declarations name, declared as empty global interfaces.
 *
 * An interface declaration merges with any other of the same name, so these add nothing where the
 * full types exist (TypeScript's DOM library, or `@webgpu/types`) and conflict with neither; where
 * they do not exist (a Node project without `@webgpu/types`) they make the names resolve. Consumers
 * therefore type-check with or without `@webgpu/types`, with or without the DOM library.
 */
declare global {
  interface GPUDevice {}
  interface GPUBuffer {}
  // named by wg.profile's dispatch records (src/gpu/profile.ts)
  interface GPUComputePipeline {}
  interface GPUBindGroupEntry {}
  interface GPUComputePassDescriptor {}
}
export {};
