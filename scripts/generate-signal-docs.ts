// Generates, from the signal definitions in src/telemetry/signals.ts:
//   - the signal table and the overlay node list in docs/signals.md (between its
//     `<!-- generated:NAME:start -->` / `<!-- generated:NAME:end -->` markers; the prose
//     around them is written by hand), and
//   - schemas/vss-overlay.vspec, the COVESA VSS overlay that defines the signals VSS
//     lacks (`vssOverlay: true`).
// `npm run docs:signals` writes both; `npm run docs:signals -- --check` exits 1 when
// either is out of date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import YAML from 'yaml';
import { PACKAGE_ROOT, SCHEMAS_DIR } from '../src/paths.js';
import { SIGNALS, type SignalSpec } from '../src/telemetry/signals.js';

const DOC_FILE = path.join(PACKAGE_ROOT, 'docs', 'signals.md');
const OVERLAY_FILE = path.join(SCHEMAS_DIR, 'vss-overlay.vspec');

/** VSS unit ids (the keys of `spec/units.yaml` in the VSS 4.x catalogue) for Pitwall's units. */
const VSS_UNITS: Readonly<Record<string, string>> = {
  rpm: 'rpm',
  'km/h': 'km/h',
  ratio: 'ratio',
  '%': 'percent',
  'N·m': 'Nm',
  '°C': 'celsius',
  'L/h': 'l/h',
  'L/100 km': 'l/100km',
  'm/s²': 'm/s^2',
  km: 'km',
  L: 'l',
};

/**
 * Standard VSS branches that overlay signals hang from. Each was checked to exist in the
 * VSS catalogue v4.0 to v6.0 (`Row1` is an instance of `Vehicle.Chassis.Axle`).
 */
const STANDARD_BRANCHES = new Set([
  'Vehicle.ADAS',
  'Vehicle.Chassis.Axle.Row1',
  'Vehicle.Powertrain.CombustionEngine',
  'Vehicle.Powertrain.Transmission',
]);

/** Branches the overlay itself introduces, with their descriptions. */
const OVERLAY_BRANCHES: Readonly<Record<string, string>> = {
  'Vehicle.Chassis.Axle.Row1.Brake':
    'Brakes of the front axle as a whole (VSS has brake signals per wheel only).',
};

/** VSS integer datatypes, smallest first. */
const VSS_INTEGERS = [
  ['uint8', 0, 255],
  ['int8', -128, 127],
  ['uint16', 0, 65_535],
  ['int16', -32_768, 32_767],
  ['uint32', 0, 4_294_967_295],
  ['int32', -2_147_483_648, 2_147_483_647],
] as const;

/** Whole-valued signals get the smallest VSS integer type that holds their range; the rest float. */
function vssDatatype(signal: SignalSpec): string {
  const whole =
    signal.type === 'integer' ||
    (Number.isInteger(signal.resolution) &&
      Number.isInteger(signal.min) &&
      Number.isInteger(signal.max));
  if (!whole) return 'float';
  const fit = VSS_INTEGERS.find(([, lo, hi]) => signal.min >= lo && signal.max <= hi);
  if (!fit)
    throw new Error(`${signal.name}: range ${signal.min}..${signal.max} fits no VSS integer type`);
  return fit[0];
}

function vssUnit(signal: SignalSpec): string {
  const unit = VSS_UNITS[signal.unit];
  if (unit === undefined) {
    throw new Error(`${signal.name}: no VSS unit for "${signal.unit}"; add it to VSS_UNITS`);
  }
  return unit;
}

function parentOf(vssPath: string): string {
  return vssPath.slice(0, vssPath.lastIndexOf('.'));
}

const overlaySignals = (): SignalSpec[] => SIGNALS.filter((s: SignalSpec) => s.vssOverlay);

/** The overlay nodes in file order: each new branch right before its first signal. */
function overlayNodes(): [string, Record<string, unknown>][] {
  const nodes: [string, Record<string, unknown>][] = [];
  const declared = new Set<string>();
  const signals = [...overlaySignals()].sort((a, b) => a.vssPath.localeCompare(b.vssPath));
  for (const signal of signals) {
    const parent = parentOf(signal.vssPath);
    const branch = OVERLAY_BRANCHES[parent];
    if (branch !== undefined) {
      if (!declared.has(parent)) nodes.push([parent, { type: 'branch', description: branch }]);
      declared.add(parent);
    } else if (!STANDARD_BRANCHES.has(parent)) {
      throw new Error(
        `${signal.name}: parent branch ${parent} is neither a known VSS branch nor in OVERLAY_BRANCHES`,
      );
    }
    nodes.push([
      signal.vssPath,
      {
        type: 'sensor',
        datatype: vssDatatype(signal),
        unit: vssUnit(signal),
        min: signal.min,
        max: signal.max,
        description: signal.description,
        comment: `Pitwall signal ${signal.name} (${signal.unit}, resolution ${signal.resolution}).`,
      },
    ]);
  }
  return nodes;
}

function renderOverlay(): string {
  const header = [
    '# Pitwall overlay on the COVESA Vehicle Signal Specification (VSS) 4.x catalogue:',
    '# the telemetry signals the standard catalogue has no node for.',
    '#',
    '# Generated from src/telemetry/signals.ts by `npm run docs:signals`; do not edit.',
    '# Use it with the VSS tools as an overlay, e.g. (vss-tools 4.x):',
    '#   vspec2json.py -u spec/units.yaml -q spec/quantities.yaml \\',
    '#     -o vss-overlay.vspec spec/VehicleSignalSpecification.vspec vss.json',
    '# See docs/signals.md.',
  ].join('\n');
  const body = overlayNodes()
    .map(([name, node]) => YAML.stringify({ [name]: node }, { lineWidth: 0 }))
    .join('\n');
  return `${header}\n\n${body}`;
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|');
}

function number(x: number): string {
  return x < 0 ? `−${-x}` : String(x);
}

function renderSignalTable(): string {
  const rows = SIGNALS.map((s: SignalSpec) =>
    [
      `\`${s.name}\``,
      s.description,
      s.unit,
      s.type,
      `${number(s.min)} … ${number(s.max)}`,
      String(s.resolution),
      s.noiseStd === 0 ? '—' : String(s.noiseStd),
      `\`${s.vssPath}\``,
      s.vssOverlay ? 'yes' : 'no',
      s.vssConversion ?? '',
    ]
      .map(cell)
      .join(' | '),
  );
  return [
    '| signal | description | unit | type | range | resolution | noise σ | VSS path | overlay | conversion to VSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function renderOverlayTable(): string {
  const rows = overlayNodes().map(([name, node]) =>
    [
      `\`${name}\``,
      String(node.type),
      node.datatype === undefined ? '' : String(node.datatype as string),
      node.unit === undefined ? '' : String(node.unit as string),
      node.type === 'branch'
        ? 'new branch'
        : `\`${SIGNALS.find((s) => s.vssPath === name)?.name ?? ''}\``,
    ]
      .map(cell)
      .join(' | '),
  );
  return [
    '| overlay node | type | datatype | unit | Pitwall signal |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Replaces the text between a generated block's markers. */
function replaceBlock(text: string, name: string, content: string): string {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`${path.relative(PACKAGE_ROOT, DOC_FILE)} lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** Formats Markdown as `npm run format` would, so the generated file passes `prettier --check`. */
async function formatMarkdown(file: string, text: string): Promise<string> {
  const options = await prettier.resolveConfig(file);
  return prettier.format(text, { ...options, filepath: file });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { check: { type: 'boolean', default: false } },
    strict: true,
  });
  const doc = readFileSync(DOC_FILE, 'utf8');
  const withTables = replaceBlock(
    replaceBlock(doc, 'signals', renderSignalTable()),
    'vss-overlay',
    renderOverlayTable(),
  );
  const outputs: [string, string, string][] = [
    [DOC_FILE, doc, await formatMarkdown(DOC_FILE, withTables)],
    [
      OVERLAY_FILE,
      existsSync(OVERLAY_FILE) ? readFileSync(OVERLAY_FILE, 'utf8') : '',
      renderOverlay(),
    ],
  ];
  let stale = 0;
  for (const [file, current, wanted] of outputs) {
    const name = path.relative(PACKAGE_ROOT, file);
    if (current === wanted) continue;
    if (values.check) {
      console.error(`${name} is out of date: run npm run docs:signals`);
      stale++;
    } else {
      writeFileSync(file, wanted);
      console.log(`wrote ${name}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
