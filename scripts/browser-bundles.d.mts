import type { BuildOptions } from 'esbuild';
export declare const browserBundles: Array<{ entry: string; outfile: string }>;
export declare function browserBuildOptions(bundle: { entry: string; outfile: string }): BuildOptions;
