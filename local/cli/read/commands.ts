import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkUse } from '../../../shared/use-cases/queries/check.ts';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, twinHistory } from '../../../shared/use-cases/queries/history.ts';
import { fanoutProgress } from '../../../shared/use-cases/queries/revocation-progress.ts';
import { type Statement, statement } from '../../../shared/use-cases/queries/statement.ts';
import { type ProvenStatement, provenStatement } from '../../../shared/use-cases/statement-proofs.ts';
import { grantStatus, twinStatus } from '../../../shared/use-cases/queries/status.ts';
import { DEFAULT_TWINS_LISTED, findTwins, MAX_TWINS_LISTED } from '../../../shared/use-cases/queries/twins.ts';
import { DEFAULT_DATA_DIR } from '../../runtime/flags.ts';
import { CliInputError, CliUsageError, LocalCliError, TableUnavailableError } from '../errors.ts';
import { aLimit, aMonth, anId, aTime, checkRequest, InputError } from './inputs.ts';
import { checkText, grantStatusText, historyText, statementCsv, statementText, twinStatusText, twinsText } from './render-text.ts';
import { queryDepsOf, resolveTarget, STACK_NAME, type TargetOptions } from './target.ts';
import { terminalWidth, wrap } from './table.ts';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Columns of the terminal; 100 when not one. */
  width?: number;
}

export const READ_COMMANDS = ['twins', 'status', 'check', 'history', 'statement'] as const;
export type ReadCommand = (typeof READ_COMMANDS)[number];

const WHERE = `Where (default: the local runtime found through runtime.json):
  --data DIR               the local runtime's state folder (default ${DEFAULT_DATA_DIR}/)
  --stack NAME             a deployed stack: its table names from its outputs, with your AWS credentials
  --region REGION          the stack's region (default $AWS_REGION, else us-east-1)
  --json                   the answer as one JSON object`;

export const USAGES: Record<ReadCommand, string> = {
  twins: `Usage: twinguard twins [--prefix TEXT] [--limit N] [where]

  The twins TwinGuard holds a grant for, in id order: each with its talents, licensees and
  number of grants. --prefix keeps those whose id starts with TEXT. At most --limit twins
  (default ${DEFAULT_TWINS_LISTED}, at most ${MAX_TWINS_LISTED}); when more match it says so.

${WHERE}`,
  status: `Usage: twinguard status (--twin ID | --grant ID) [where]

  A twin: its grants (scope, validity, standing) and its placements by channel, territory
  and state, with the open takedowns and their deadlines. A grant: the same for the
  placements that rely on it now (one moved onto another grant counts there), and how its
  revocation or expiry is going.

${WHERE}`,
  check: `Usage: twinguard check --twin ID --licensee L --medium M [--channel C --territory T --modification X --unlabelled] [where]

  Would this use be approved now? If not, every reason. The same rule as the handlers;
  nothing is recorded and nothing is emitted. Without --channel it is a render; with it, a
  publication (assumed labelled as AI-generated unless --unlabelled). --twin, --territory
  and --modification repeat, or take a comma-separated list. Exits 0 with the answer,
  approved or denied.

${WHERE}`,
  history: `Usage: twinguard history --twin ID [--from WHEN] [--to WHEN] [--limit N] [--after CURSOR] [where]

  Every decision about a twin, oldest first, with its reasons and the grant versions it
  rested on (and its grants, revocations, placements and takedowns). WHEN is a day
  (2026-03-01; --to includes the whole day) or an instant (2026-03-01T12:00:00Z).
  At most --limit lines (default ${DEFAULT_HISTORY_LIMIT}, at most ${MAX_HISTORY_LIMIT}); when there are more it says
  so and prints the --after cursor to read on.

${WHERE}`,
  statement: `Usage: twinguard statement --talent ID --month YYYY-MM [--csv] [--proofs FILE] [where]

  What a talent is owed for a month: every paid use (render or placement) as the usage
  ledger holds it, with twin, grant, licensee, amount and currency, the id of its record
  in the transparency log, and totals per currency. --csv prints the lines as CSV
  (RFC 4180) instead of a table. --proofs FILE also writes the statement with each line's
  inclusion proof and the latest signed tree head, for anyone to check offline with the
  log's public key ("twinguard log verify FILE --jwks JWKS"); lines not sealed yet are
  marked so.

${WHERE}`,
};

const WHERE_OPTIONS = {
  data: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  'cloudformation-endpoint': { type: 'string' },
  'dynamodb-endpoint': { type: 'string' },
  'consent-table': { type: 'string' },
  'audit-table': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const OPTIONS = {
  twins: { prefix: { type: 'string' }, limit: { type: 'string' } },
  status: { twin: { type: 'string' }, grant: { type: 'string' } },
  check: {
    twin: { type: 'string', multiple: true },
    licensee: { type: 'string' },
    medium: { type: 'string' },
    channel: { type: 'string' },
    territory: { type: 'string', multiple: true },
    modification: { type: 'string', multiple: true },
    unlabelled: { type: 'boolean', default: false },
  },
  history: {
    twin: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    after: { type: 'string' },
  },
  statement: {
    talent: { type: 'string' },
    month: { type: 'string' },
    csv: { type: 'boolean', default: false },
    proofs: { type: 'string' },
  },
} as const;

/** Exit codes: 0 answered, 1 could not read (the message says what to do), 2 bad arguments (with the usage). */
export async function readMain(
  command: ReadCommand,
  argv: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    await run(command, argv, io, env);
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`twinguard ${command}: ${error.message}`);
      io.err(`("twinguard ${command} --help" shows every flag)`);
      return 2;
    }
    if (!(error instanceof LocalCliError)) throw error;
    io.err(`twinguard ${command}: ${error.message}`);
    if (error instanceof CliUsageError) io.err(USAGES[command]);
    return error.exitCode;
  }
}

async function run(command: ReadCommand, argv: readonly string[], io: Io, env: NodeJS.ProcessEnv): Promise<void> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...WHERE_OPTIONS, ...OPTIONS[command] }, strict: true }) as {
      values: Record<string, string | boolean | string[] | undefined>;
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help === true) {
    io.out(USAGES[command]);
    return;
  }
  const str = (k: string) => values[k] as string | undefined;
  const list = (k: string) => values[k] as string[] | undefined;
  // Arguments are checked before anything is read, so a typo costs no round trip.
  const ask = parse(command, str, list, values);
  const stack = str('stack');
  if (stack !== undefined && !STACK_NAME.test(stack)) {
    throw new InputError('--stack takes a CloudFormation stack name (a letter, then letters, digits and -; at most 128) or its ARN');
  }
  if ((str('consent-table') === undefined) !== (str('audit-table') === undefined)) {
    throw new InputError('give both --consent-table and --audit-table, or neither');
  }
  const options: TargetOptions = {
    stateDir: resolve(str('data') ?? DEFAULT_DATA_DIR),
    ...pick({ stack: str('stack'), region: str('region'), cloudFormationEndpoint: str('cloudformation-endpoint') }),
    ...pick({ dynamoDbEndpoint: str('dynamodb-endpoint'), consentTable: str('consent-table'), auditTable: str('audit-table') }),
  };
  const target = await resolveTarget(options, env);
  const { deps, close } = queryDepsOf(target);
  const width = io.width ?? terminalWidth();
  const json = values.json === true;
  const print = (answer: unknown, text: () => string[]) => {
    if (json) io.out(JSON.stringify(answer));
    else for (const line of text()) for (const part of wrap(line, width)) io.out(part);
  };
  try {
    switch (ask.kind) {
      case 'twins': {
        const found = await findTwins(deps, ask.prefix, ask.limit);
        print(found, () => twinsText(found, width));
        break;
      }
      case 'twin': {
        const s = await twinStatus(deps, ask.twinId);
        print(s, () => twinStatusText(s, width));
        break;
      }
      case 'grant': {
        const [s, progress] = await Promise.all([grantStatus(deps, ask.grantId), fanoutProgress(deps, ask.grantId)]);
        print({ ...s, progress }, () => grantStatusText(s, progress, width));
        break;
      }
      case 'check': {
        const answer = await checkUse(deps, ask.request);
        print(answer, () => checkText(answer, width));
        break;
      }
      case 'history': {
        const h = await twinHistory(deps, ask.twinId, ask.window, { limit: ask.limit, ...pick({ cursor: ask.after }) });
        print(h, () => historyText(h, width));
        break;
      }
      case 'statement': {
        const proven = ask.proofs === undefined ? undefined : await provenStatement(deps, ask.talentId, ask.month);
        // The proofs go to the file; what is printed is the statement as without --proofs.
        const s = proven === undefined ? await statement(deps, ask.talentId, ask.month) : plainOf(proven);
        if (proven !== undefined && ask.proofs !== undefined) {
          await writeProofs(ask.proofs, proven);
          io.err(proofsSummary(ask.proofs, proven));
        }
        if (ask.csv && !json) for (const line of statementCsv(s)) io.out(line);
        else print(s, () => statementText(s, width));
        if (s.cut) io.err(`twinguard statement: cut at ${s.lines.length} lines: the month holds more, and the totals are of these only`);
        break;
      }
    }
  } catch (error) {
    if (error instanceof LocalCliError || error instanceof InputError) throw error;
    throw new TableUnavailableError(readProblem(target.label, target.dynamoDbEndpoint === undefined, error), { cause: error });
  } finally {
    close();
  }
}

type Ask =
  | { kind: 'twins'; prefix: string; limit: number }
  | { kind: 'twin'; twinId: string }
  | { kind: 'grant'; grantId: string }
  | { kind: 'check'; request: ReturnType<typeof checkRequest> }
  | { kind: 'history'; twinId: string; window: { from?: string; to?: string }; limit: number; after?: string }
  | { kind: 'statement'; talentId: string; month: string; csv: boolean; proofs?: string };

function parse(
  command: ReadCommand,
  str: (k: string) => string | undefined,
  list: (k: string) => string[] | undefined,
  values: Record<string, unknown>,
): Ask {
  switch (command) {
    case 'twins': {
      const prefix = str('prefix') ?? '';
      // An empty prefix lists from the first twin; a longer one than an id cannot match.
      if (prefix !== '') anId('--prefix', prefix);
      return { kind: 'twins', prefix, limit: aLimit(str('limit'), MAX_TWINS_LISTED, DEFAULT_TWINS_LISTED) };
    }
    case 'status':
      if ((str('twin') === undefined) === (str('grant') === undefined))
        throw new InputError('give exactly one of --twin ID and --grant ID');
      return str('twin') !== undefined
        ? { kind: 'twin', twinId: anId('--twin', str('twin')) }
        : { kind: 'grant', grantId: anId('--grant', str('grant')) };
    case 'check':
      return {
        kind: 'check',
        request: checkRequest({
          twins: list('twin'),
          licensee: str('licensee'),
          medium: str('medium'),
          channel: str('channel'),
          territories: list('territory'),
          modifications: list('modification'),
          unlabelled: values.unlabelled === true,
        }),
      };
    case 'history': {
      const from = aTime('--from', str('from'), 'from');
      const to = aTime('--to', str('to'), 'to');
      if (from !== undefined && to !== undefined && from > to) throw new InputError(`--from (${from}) is after --to (${to})`);
      const after = str('after');
      if (after !== undefined && (after.length > 4096 || !isCursor(after)))
        throw new InputError('--after takes the cursor a cut history printed, as it printed it');
      return {
        kind: 'history',
        twinId: anId('--twin', str('twin')),
        window: pick({ from, to }),
        limit: aLimit(str('limit'), MAX_HISTORY_LIMIT, DEFAULT_HISTORY_LIMIT),
        ...pick({ after }),
      };
    }
    case 'statement':
      return {
        kind: 'statement',
        talentId: anId('--talent', str('talent')),
        month: aMonth(str('month')),
        csv: values.csv === true,
        ...pick({ proofs: aPath('--proofs', str('proofs')) }),
      };
  }
}

function aPath(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.length > 4096 || value.includes('\0')) throw new InputError(`${flag} takes a file name`);
  return value;
}

async function writeProofs(file: string, proven: ProvenStatement): Promise<void> {
  try {
    await writeFile(resolve(file), `${JSON.stringify(proven, null, 2)}\n`);
  } catch (error) {
    throw new CliInputError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The statement without its proofs: what `twinguard statement` prints either way. */
function plainOf(p: ProvenStatement): Statement {
  const lines = p.lines.map(({ talentId, twinId, grantId, kind, amount, currency, refId, at, licensee, recordId }) => ({
    talentId,
    twinId,
    grantId,
    kind,
    amount,
    currency,
    refId,
    at,
    ...(licensee === undefined ? {} : { licensee }),
    recordId,
  }));
  return { talentId: p.talentId, month: p.month, lines, totals: p.totals, cut: p.cut };
}

function proofsSummary(file: string, p: ProvenStatement): string {
  const sealed = p.lines.filter((l) => l.sealed).length;
  const head =
    p.treeHead === null
      ? 'no signed head (nothing sealed yet)'
      : `the head of ${p.treeHead.treeSize} records signed ${p.treeHead.timestamp}`;
  return `twinguard statement: wrote ${file}: ${sealed} of ${p.lines.length} line(s) proven against ${head}; ${p.lines.length - sealed} not sealed yet`;
}

function isCursor(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}

function readProblem(label: string, deployed: boolean, error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError')
    return 'no AWS credentials: configure them (aws configure, AWS_PROFILE, aws sso login) and try again';
  if (name === 'AccessDeniedException')
    return `your AWS identity may not read the tables of ${label}: it needs dynamodb:GetItem, Query and BatchGetItem on them`;
  if (name === 'ResourceNotFoundException')
    return `a table of ${label} does not exist: ${deployed ? 'check --stack and --region' : 'restart the local runtime'}`;
  if (!deployed && /ECONNREFUSED|fetch failed|socket/i.test(`${name} ${message}`))
    return `the local runtime (${label}) does not answer: is it still running? ("npx twinguard start")`;
  return `cannot read ${label} (${name}: ${message.slice(0, 300)})`;
}

/** The entries whose value is defined (exactOptionalPropertyTypes). */
function pick<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
