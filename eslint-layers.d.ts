import type { Linter } from 'eslint';

/** Types of eslint-layers.js, for the test that proves its rules fire. */
export declare const LAYERS: Record<string, string[]>;
export declare const layerConfigs: (Linter.Config & { name: string })[];
