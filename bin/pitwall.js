#!/usr/bin/env node
// The `pitwall` command: runs the compiled CLI (built by `npm install` via `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
