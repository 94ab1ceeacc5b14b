/**
 * `npm run schemas`: writes the contract's artifacts (schemas/) and the reference part of docs/events.md from the zod schemas.
 * `npm run schemas -- --check` writes nothing and exits 1 when the committed files differ.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { contractArtifacts, SCHEMAS_DIR } from './contract-artifacts.ts';
import { withReference } from './events-reference.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Its last section, the field-by-field reference, is generated too (scripts/events-reference.ts). */
export const EVENTS_PAGE = 'docs/events.md';

/** Paths under schemas/ that differ from what the schemas generate: changed, missing or stale. */
export function staleArtifacts(root = ROOT, files = contractArtifacts()): string[] {
  const differing = [...files].filter(([path, content]) => read(join(root, path)) !== content).map(([path]) => path);
  const stale = committedFiles(root).filter((path) => !files.has(path));
  return [...differing, ...stale].sort();
}

/** The files the generator owns: schemas/asyncapi.yaml and every JSON file in schemas/. */
export function committedFiles(root = ROOT): string[] {
  const dir = join(root, SCHEMAS_DIR);
  const found: string[] = [];
  const walk = (relative: string) => {
    let entries;
    try {
      entries = readdirSync(join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.json') || path === 'asyncapi.yaml') found.push(`${SCHEMAS_DIR}/${path}`);
    }
  };
  walk('');
  return found;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(
      'Usage: npm run schemas [-- --check]\n\nWrites schemas/ and the reference of docs/events.md from the zod schemas; --check only reports differences (exit 1).',
    );
    return;
  }
  const files = contractArtifacts();
  const changed = staleArtifacts(ROOT, files);
  const page = readFileSync(join(ROOT, EVENTS_PAGE), 'utf8');
  const generatedPage = withReference(page);
  if (generatedPage !== page) changed.push(EVENTS_PAGE);
  if (values.check) {
    if (changed.length === 0) {
      console.log(`${SCHEMAS_DIR}/ is up to date (${files.size} files)`);
      return;
    }
    console.error(
      `${SCHEMAS_DIR}/ differs from the zod schemas in:\n  ${changed.join('\n  ')}\nrun "npm run schemas" and commit the result`,
    );
    process.exitCode = 1;
    return;
  }
  for (const path of changed) {
    if (path === EVENTS_PAGE) {
      writeFileSync(join(ROOT, path), generatedPage);
      continue;
    }
    const content = files.get(path);
    if (content === undefined) {
      rmSync(join(ROOT, path));
      continue;
    }
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), content);
  }
  console.log(`${SCHEMAS_DIR}/: ${files.size} files, ${changed.length} written or removed`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
