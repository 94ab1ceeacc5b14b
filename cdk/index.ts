/**
 * `twinguard/cdk`: the TwinGuard construct and the types of its props, for a CDK app.
 * In the package its functions are already bundled (dist/lambda/), so the app needs no esbuild.
 */
export { ALARM_METRICS, TwinGuard, type TwinGuardProps } from '../infra/twinguard.ts';
export { HandlerFunction } from '../infra/handler-function.ts';
export type { RoleMembers, RolesProps, ResolvedRoles } from '../infra/roles.ts';
export { TwinGuardSchemaRegistry, type SchemaRegistryOptions } from '../infra/schema-registry.ts';
export { InfraError, TwinGuardPropsError } from '../infra/errors.ts';
export { DEFAULT_SOURCES, type Role, type RoleSources } from '../shared/model/events/roles.ts';
