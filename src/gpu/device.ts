/**
 * Device acquisition: `navigator.gpu` in a browser, the `webgpu` package (Dawn) in Node.
 *
 * In Node on a machine without a GPU driver, Dawn finds no Vulkan adapter unless the Vulkan loader is
 * pointed at a software driver. Debian's `chromium` package ships SwiftShader's ICD, so when no adapter
 * is found we point VK_ICD_FILENAMES at it ourselves and try again: nobody has to export variables.
 */

const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

// Node's globals, typed here so the library needs no @types/node (it is used only when running in Node).
declare const process: { versions?: { node?: string }; env: Record<string, string | undefined> };

export interface AcquiredDevice {
  device: GPUDevice;
  adapterName: string;
  /** true when the adapter is a CPU emulation (SwiftShader, lavapipe, WARP). */
  software: boolean;
}

const isNode = () =>
  typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Raise the limits that matter for compute to what the adapter allows (defaults are conservative). */
function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const l = adapter.limits;
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
  };
}

function describe(adapter: GPUAdapter): { adapterName: string; software: boolean } {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean) : [];
  const adapterName = parts.join(' ') || 'unknown adapter';
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || /swiftshader|lavapipe|llvmpipe|warp|cpu/i.test(adapterName) || adapterName === 'unknown adapter';
  return { adapterName, software };
}

async function fromNavigator(powerPreference: GPUPowerPreference): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (!gpu) {
    throw new Error(
      'webgrad.init: this browser exposes no navigator.gpu. Use a WebGPU-capable browser (Chrome/Edge >= 113), ' +
        'serve the page over https or from http://127.0.0.1 / localhost (WebGPU needs a secure context), ' +
        'and for headless Chromium pass --enable-unsafe-webgpu.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    throw new Error(
      'webgrad.init: navigator.gpu returned no adapter. Check chrome://gpu; on Linux start Chromium with ' +
        '--enable-unsafe-webgpu (and --enable-features=Vulkan), or update the GPU driver.',
    );
  }
  return adapter;
}

const dawnInstances: GPU[] = [];

async function fromDawn(powerPreference: GPUPowerPreference): Promise<GPUAdapter> {
  let dawn: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu'; // kept in a variable so browser bundlers leave this Node-only import alone
    dawn = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new Error(
      "webgrad.init: in Node, webgrad needs the 'webgpu' package (Dawn). Install it with `npm install webgpu`. " +
        `(${(e as Error).message})`,
    );
  }
  // Dawn's constructors (GPUBufferUsage, GPUMapMode, ...) must be global, as they are in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Instances are kept alive for the life of the process: Dawn aborts if one is collected while in use.
  const first = dawn.create([]);
  dawnInstances.push(first);
  let adapter = await first.requestAdapter({ powerPreference });
  if (!adapter && !process.env.VK_ICD_FILENAMES) {
    const fs = await import(/* @vite-ignore */ 'node:' + 'fs');
    const icd = SWIFTSHADER_ICDS.find((p) => fs.existsSync(p));
    if (icd) {
      process.env.VK_ICD_FILENAMES = icd; // read by the Vulkan loader when Dawn creates its next instance
      const second = dawn.create([]);
      dawnInstances.push(second);
      adapter = await second.requestAdapter({ powerPreference });
    }
  }
  if (!adapter) {
    throw new Error(
      'webgrad.init: Dawn found no WebGPU adapter. On a machine with a GPU, install its Vulkan driver and ' +
        '`libvulkan1`; on a machine without one, install a software driver: `apt-get install -y chromium libvulkan1` ' +
        '(webgrad then uses the SwiftShader driver that Chromium ships in /usr/lib/chromium), or set ' +
        'VK_ICD_FILENAMES to a Vulkan ICD json file.',
    );
  }
  return adapter;
}

/** Find an adapter and create a device with raised compute limits. */
export async function acquireDevice(powerPreference: GPUPowerPreference = 'high-performance'): Promise<AcquiredDevice> {
  const hasNavigatorGpu = !!(globalThis as { navigator?: Navigator }).navigator?.gpu;
  const adapter = !isNode() || hasNavigatorGpu ? await fromNavigator(powerPreference) : await fromDawn(powerPreference);
  // timestamp-query, where the adapter has it, lets wg.profile time kernels on the GPU itself
  const requiredFeatures: GPUFeatureName[] = adapter.features?.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits: wantedLimits(adapter), requiredFeatures });
  return { device, ...describe(adapter) };
}

/** Describe a device the application created itself (wg.init({ device })). */
export function adoptDevice(device: GPUDevice): AcquiredDevice {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapterName = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : 'application device';
  return { device, adapterName: adapterName || 'application device', software: /swiftshader|lavapipe|llvmpipe/i.test(adapterName) };
}
