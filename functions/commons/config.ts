import { DEFAULT_SOURCES, type RoleSources } from '../../shared/model/events/roles.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import type { Settings } from '../../shared/ports/deps.ts';
import { DEFAULT_JOB_STALL_SECONDS } from '../../shared/use-cases/job-watchdog.ts';
import { ConfigurationError } from './errors.ts';

/** Reads a required variable at cold start, failing loudly rather than on the first event. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`environment variable ${name} is required`);
  return value;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const sources = Object.fromEntries(
    Object.entries(ENV.sources).map(([role, name]) => [role, env[name] || DEFAULT_SOURCES[role as keyof RoleSources]]),
  ) as RoleSources;
  const sla = Number(env[ENV.takedownSla] ?? 3600);
  if (!Number.isFinite(sla) || sla <= 0) throw new ConfigurationError(`${ENV.takedownSla} must be a positive number of seconds`);
  const budget = Number(env[ENV.reevaluationBudget] ?? 2000);
  if (!Number.isInteger(budget) || budget <= 0) throw new ConfigurationError(`${ENV.reevaluationBudget} must be a positive whole number`);
  const stall = Number(env[ENV.jobStall] ?? DEFAULT_JOB_STALL_SECONDS);
  if (!Number.isFinite(stall) || stall <= 0) throw new ConfigurationError(`${ENV.jobStall} must be a positive number of seconds`);
  return { sources, takedownSlaSeconds: sla, reevaluationBudget: budget, jobStallSeconds: stall };
}
