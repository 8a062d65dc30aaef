/**
 * The one kernel builder: writes the header every compute shader needs (bindings, the uniform struct,
 * the entry point with its builtins) around a readable WGSL body. Bodies refer to uniforms as `u.name`.
 * The runtime reflects the resulting text (wgsl_reflect) to build bind-group and uniform layouts, so the
 * binding list is written exactly once: here.
 */

export type ScalarType = 'f32' | 'i32' | 'u32';
export type UniformType = ScalarType | 'vec8u' | 'vec8f'; // vec8*: up to 8 values (shapes/strides), as array<vec4<T>, 2>

export interface BindingSpec {
  name: string;
  /** Element type as written in WGSL, e.g. 'f32', 'vec4<f32>', 'i32'. */
  type: string;
  access: 'read' | 'read_write';
}

export interface KernelSpec {
  bindings: BindingSpec[];
  uniforms?: [name: string, type: UniformType][];
  workgroupSize: [number, number?, number?];
  /** Helper functions, workgroup variables, constants and aliases placed before the entry point. */
  prelude?: string;
  body: string;
}

function uniformField([name, type]: [string, UniformType]): string {
  if (type === 'vec8u') return `${name}: array<vec4<u32>, 2>`;
  if (type === 'vec8f') return `${name}: array<vec4<f32>, 2>`;
  return `${name}: ${type}`;
}

/**
 * `fn add_<buf>(j, v)`: adds the f32 `v` to element j of the storage binding `buf` (declared as
 * `atomic<u32>` holding f32 bits) by compare-exchange, for scatter-adds where several threads may hit one
 * element. The order of the additions varies from run to run, so the last bits of a sum may too.
 */
export function atomicAddF32Fn(buf: string): string {
  return `fn add_${buf}(j: u32, v: f32) {
  var old = atomicLoad(&${buf}[j]);
  loop {
    let r = atomicCompareExchangeWeak(&${buf}[j], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`;
}

export function kernel(spec: KernelSpec): string {
  const lines: string[] = [];
  spec.bindings.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`);
  });
  if (spec.uniforms?.length) {
    lines.push(`struct Uniforms { ${spec.uniforms.map(uniformField).join(', ')} }`);
    lines.push(`@group(0) @binding(${spec.bindings.length}) var<uniform> u: Uniforms;`);
  }
  if (spec.prelude) lines.push(spec.prelude.trim());
  const [x, y = 1, z = 1] = spec.workgroupSize;
  lines.push(
    `@compute @workgroup_size(${x}, ${y}, ${z})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,',
    '        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,',
    '        @builtin(local_invocation_index) lix: u32) {',
    spec.body.trim(),
    '}',
  );
  return lines.join('\n') + '\n';
}

/** WGSL for element `d` of a vec8 uniform: `u.shape[1][2]` for d = 6. */
export function at8(name: string, d: number): string {
  return `u.${name}[${d >> 2}][${d & 3}]`;
}

/** Spread `count` workgroups over x and y so that neither exceeds the 65535 limit. */
export function grid(count: number): [number, number] {
  if (count <= 65535) return [Math.max(count, 0), 1];
  const y = Math.ceil(count / 65535);
  return [Math.ceil(count / y), y];
}

/** WGSL expression for the flat workgroup index of a grid() dispatch. */
export const FLAT_WORKGROUP = '(wid.y * nwg.x + wid.x)';

/** Pad a list of up to 8 numbers for a vec8 uniform. */
export function vec8(values: readonly number[]): number[] {
  if (values.length > 8) throw new Error(`webgrad: tensors of rank ${values.length} are not supported (at most 8 dims)`);
  return [...values, ...Array(8 - values.length).fill(0)];
}
