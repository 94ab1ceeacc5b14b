import {
  ACCOUNT_ID,
  DEFAULT_SOURCES,
  type ChannelSenders,
  type Role,
  type RoleAccounts,
  type RoleSources,
} from '../../shared/model/events/roles.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import type { Settings } from '../../shared/ports/deps.ts';
import { DEFAULT_JOB_STALL_SECONDS } from '../../shared/use-cases/job-watchdog.ts';
import { DEFAULT_REMOVAL_SCHEDULE, type GoneStatuses, parseGoneStatuses } from '../../shared/model/removal.ts';
import { ConfigurationError } from './errors.ts';

/** Reads a required variable at cold start, failing loudly rather than on the first event. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`environment variable ${name} is required`);
  return value;
}

/**
 * Settings for an operator's command (`npm run takedowns`): it answers no event, so it has no
 * senders' accounts to check and must not demand them.
 */
export function operatorSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return settingsFromEnv(env, { consent: [], studio: [], publisher: [], channel: [] });
}

/** Each role's accounts, required: a function that checks senders must not start without them. */
function accountsFromEnv(env: NodeJS.ProcessEnv): RoleAccounts {
  return Object.fromEntries(
    Object.entries(ENV.accounts).map(([role, name]) => [role, accountList(requiredEnv(name, env), name)]),
  ) as Record<Role, string[]>;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env, accounts: RoleAccounts = accountsFromEnv(env)): Settings {
  const sources = Object.fromEntries(
    Object.entries(ENV.sources).map(([role, name]) => [role, env[name] || DEFAULT_SOURCES[role as keyof RoleSources]]),
  ) as RoleSources;
  const sla = Number(env[ENV.takedownSla] ?? 3600);
  if (!Number.isFinite(sla) || sla <= 0) throw new ConfigurationError(`${ENV.takedownSla} must be a positive number of seconds`);
  const budget = Number(env[ENV.reevaluationBudget] ?? 2000);
  if (!Number.isInteger(budget) || budget <= 0) throw new ConfigurationError(`${ENV.reevaluationBudget} must be a positive whole number`);
  const stall = Number(env[ENV.jobStall] ?? DEFAULT_JOB_STALL_SECONDS);
  if (!Number.isFinite(stall) || stall <= 0) throw new ConfigurationError(`${ENV.jobStall} must be a positive number of seconds`);
  const interval = Number(env[ENV.removalCheckInterval] ?? DEFAULT_REMOVAL_SCHEDULE.intervalSeconds);
  if (!Number.isFinite(interval) || interval <= 0)
    throw new ConfigurationError(`${ENV.removalCheckInterval} must be a positive number of seconds`);
  const checks = Number(env[ENV.removalChecks] ?? DEFAULT_REMOVAL_SCHEDULE.checks);
  if (!Number.isInteger(checks) || checks < 1 || checks > 20)
    throw new ConfigurationError(`${ENV.removalChecks} must be a whole number from 1 to 20`);
  return {
    sources,
    accounts,
    channelSenders: channelSendersFromEnv(env),
    takedownSlaSeconds: sla,
    reevaluationBudget: budget,
    jobStallSeconds: stall,
    removalSchedule: { checks, intervalSeconds: interval },
    ...goneStatusesFromEnv(env),
  };
}

function accountList(text: string, name: string): string[] {
  const accounts = text.split(',').map((a) => a.trim());
  const bad = accounts.find((a) => !ACCOUNT_ID.test(a));
  if (bad !== undefined) throw new ConfigurationError(`${name} must list 12-digit AWS account ids separated by commas, found "${bad}"`);
  return accounts;
}

function channelSendersFromEnv(env: NodeJS.ProcessEnv): ChannelSenders {
  const name = ENV.channelSenders;
  const text = env[name];
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${name} is not JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${name} must be a JSON object of channel name to account ids`);
  }
  const senders: Record<string, string[]> = {};
  for (const [channel, accounts] of Object.entries(value)) {
    if (!Array.isArray(accounts) || !accounts.every((a) => typeof a === 'string' && ACCOUNT_ID.test(a))) {
      throw new ConfigurationError(`${name}: channel "${channel}" must map to a list of 12-digit AWS account ids`);
    }
    senders[channel] = accounts;
  }
  return senders;
}

/** The per-channel gone rules, when set; a bad value fails the cold start, naming what is wrong. */
function goneStatusesFromEnv(env: NodeJS.ProcessEnv): { goneStatuses?: GoneStatuses } {
  const text = env[ENV.removalGoneStatuses];
  if (text === undefined || text === '') return {};
  if (text.length > 65_536) throw new ConfigurationError(`${ENV.removalGoneStatuses} is longer than 65536 characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${ENV.removalGoneStatuses} is not JSON (expected e.g. {"web": [404, 410, 451]})`);
  }
  try {
    return { goneStatuses: parseGoneStatuses(value) };
  } catch (error) {
    throw new ConfigurationError(`${ENV.removalGoneStatuses}: ${(error as Error).message}`);
  }
}
