/**
 * Device acquisition: `navigator.gpu` in a browser, the `webgpu` package (Dawn) in Node.
 *
 * In Node on a machine without a GPU driver, Dawn finds no Vulkan adapter unless the Vulkan loader is
 * pointed at a software driver. Debian's `chromium` package ships SwiftShader's ICD. Before Dawn starts,
 * we look for Vulkan driver manifests (ICD json files) where the loader looks; when there are none we
 * point VK_ICD_FILENAMES at SwiftShader's, so the loader never prints "Found no drivers" and nobody has
 * to export variables. Should an installed driver still give no adapter, we fall back to SwiftShader
 * and try once more.
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
  /** How it was reached: "navigator.gpu", "Dawn", "Dawn, VK_ICD_FILENAMES=...", "application device". */
  route?: string;
  /** CPU cores (navigator.hardwareConcurrency, or Node's os.availableParallelism()): how many workgroups a software adapter runs at once. */
  cores: number;
}

/** The page's core count; Node sets its own in fromDawn. */
const browserCores = (): number => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 4;

/** Where the Vulkan loader looks for driver manifests on Linux (besides VK_ICD_FILENAMES / VK_DRIVER_FILES). */
function icdDirectories(): string[] {
  const env = process.env;
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean);
  const home = env.XDG_DATA_HOME || (env.HOME ? `${env.HOME}/.local/share` : '');
  return [...config, '/etc', '/usr/local/etc', ...data, '/usr/share', '/usr/local/share', home]
    .filter(Boolean)
    .map((d) => `${d}/vulkan/icd.d`);
}

type NodeFs = { existsSync(p: string): boolean; readdirSync(p: string): string[] };

/** True when the Vulkan loader will find at least one driver manifest (a cheap probe, no Vulkan call). */
function hasVulkanDriver(fs: NodeFs): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || process.env.VK_ADD_DRIVER_FILES) return true;
  for (const dir of icdDirectories()) {
    try {
      if (fs.readdirSync(dir).some((f) => f.endsWith('.json'))) return true;
    } catch {
      // no such directory
    }
  }
  return false;
}

/**
 * True when `wg.init({ verbose: true })` or the environment asks for the one-line adapter report:
 * `DEBUG=webgrad` (also `webgrad*`, `*`, or a comma-separated list naming it), as the `debug` package reads it.
 */
export function debugRequested(): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const d = proc?.env?.DEBUG ?? '';
  return d.split(/[\s,]+/).some((p) => p === 'webgrad' || p === '*' || (p.endsWith('*') && 'webgrad'.startsWith(p.slice(0, -1))));
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

function describe(adapter: GPUAdapter): { adapterName: string; software: boolean; cores: number } {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean) : [];
  const adapterName = parts.join(' ') || 'unknown adapter';
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || /swiftshader|lavapipe|llvmpipe|warp|cpu/i.test(adapterName) || adapterName === 'unknown adapter';
  return { adapterName, software, cores: browserCores() };
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

/** Dawn's adapter, and how it was reached for the verbose line ("Dawn, VK_ICD_FILENAMES=..."). */
async function fromDawn(powerPreference: GPUPowerPreference): Promise<{ adapter: GPUAdapter; route: string; cores?: number }> {
  let dawn: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu'; // kept in a variable so browser bundlers leave this Node-only import alone
    dawn = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new Error(
      "webgrad.init: in Node, webgrad needs the 'webgpu' package (Dawn), an optional peer dependency that " +
        'browser-only projects leave out. Install it next to webgrad: `npm i webgpu`. ' +
        `(${(e as Error).message})`,
    );
  }
  // Dawn's constructors (GPUBufferUsage, GPUMapMode, ...) must be global, as they are in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const fs: NodeFs = await import(/* @vite-ignore */ 'node:' + 'fs');
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  const swiftshader = SWIFTSHADER_ICDS.find((p) => fs.existsSync(p));
  // Probe once, quietly: with no driver manifest anywhere, Dawn's Vulkan loader would only print
  // "Found no drivers" before we fall back, so go to SwiftShader first.
  if (platform === 'linux' && swiftshader && !hasVulkanDriver(fs)) process.env.VK_ICD_FILENAMES = swiftshader;
  let route = process.env.VK_ICD_FILENAMES ? `Dawn, VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : 'Dawn';
  // Instances are kept alive for the life of the process: Dawn aborts if one is collected while in use.
  const first = dawn.create([]);
  dawnInstances.push(first);
  let adapter = await first.requestAdapter({ powerPreference });
  if (!adapter && !process.env.VK_ICD_FILENAMES) {
    const icd = swiftshader;
    if (icd) {
      route = `Dawn, VK_ICD_FILENAMES=${icd}`;
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
  const os: { availableParallelism?: () => number } = await import(/* @vite-ignore */ 'node:' + 'os');
  return { adapter, route, cores: os.availableParallelism?.() };
}

/** Find an adapter and create a device with raised compute limits. */
export async function acquireDevice(powerPreference: 'low-power' | 'high-performance' = 'high-performance'): Promise<AcquiredDevice> {
  const hasNavigatorGpu = !!(globalThis as { navigator?: Navigator }).navigator?.gpu;
  const { adapter, route, cores } = !isNode() || hasNavigatorGpu
    ? { adapter: await fromNavigator(powerPreference), route: 'navigator.gpu', cores: undefined }
    : await fromDawn(powerPreference);
  // timestamp-query, where the adapter has it, lets wg.profile time kernels on the GPU itself
  const requiredFeatures: GPUFeatureName[] = adapter.features?.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits: wantedLimits(adapter), requiredFeatures });
  const d = describe(adapter);
  return { device, ...d, cores: cores || d.cores, route };
}

/** Describe a device the application created itself (wg.init({ device })). */
export function adoptDevice(device: GPUDevice): AcquiredDevice {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapterName = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : 'application device';
  return { device, adapterName: adapterName || 'application device', software: /swiftshader|lavapipe|llvmpipe/i.test(adapterName), cores: browserCores() };
}
