#!/usr/bin/env node
// The omamori command line: `npx omamori help`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
