import { DEFAULT_SOURCES, type RoleSources } from '../../shared/model/events/roles.ts';
import type { Settings } from '../../shared/ports/deps.ts';
import { ConfigurationError } from './errors.ts';

/** Names of the environment variables the construct sets on every function. */
export const ENV = {
  consentTable: 'CONSENT_TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  eventBus: 'EVENT_BUS_NAME',
  takedownSla: 'TAKEDOWN_SLA_SECONDS',
  reevaluationBudget: 'REEVALUATION_BUDGET',
  sources: { consent: 'SOURCE_CONSENT', studio: 'SOURCE_STUDIO', publisher: 'SOURCE_PUBLISHER', channel: 'SOURCE_CHANNEL' },
} as const;

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
  return { sources, takedownSlaSeconds: sla, reevaluationBudget: budget };
}
