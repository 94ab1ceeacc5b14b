import type { Template } from 'aws-cdk-lib/assertions';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> };

/** An IAM policy statement as synthesized. */
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, any>> };

/** Each function's role policy statements, by its source file under functions/ (`render-requested`), as synthesized. */
export function policiesByFunction(template: Template): Record<string, Statement[]> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const out: Record<string, Statement[]> = {};
  for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const name = String(fn.Metadata?.['TwinGuard:Handler']).replace(/^functions\/|\.ts$/g, '');
    out[name] = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: any) => ref.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  }
  return out;
}

/** One request as IAM authorizes it: an action on a table, with the partition keys it touches. */
export interface DynamoRequest {
  /** The IAM action, e.g. `dynamodb:PutItem`. */
  action: string;
  /** The table's logical id prefix in the template: `ConsentTable` or `AuditTable`. */
  table: string;
  pks: string[];
}

/**
 * Whether an Allow statement of `statements` permits the request. Evaluates what TwinGuard's
 * policies use, and refuses anything else: exact actions, a table named by its logical id,
 * `ForAllValues:StringLike` on `dynamodb:LeadingKeys` with `prefix*` patterns.
 */
export function allows(statements: readonly Statement[], request: DynamoRequest): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || ![s.Action].flat().includes(request.action)) return false;
    if (!new RegExp(`"TwinGuard${request.table}[0-9A-F]{8}"`).test(JSON.stringify(s.Resource))) return false;
    for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
      for (const [key, values] of Object.entries(keys)) {
        if (operator !== 'ForAllValues:StringLike' || key !== 'dynamodb:LeadingKeys') return false;
        const patterns = [values].flat() as string[];
        if (!request.pks.every((pk) => patterns.some((p) => p.endsWith('*') && pk.startsWith(p.slice(0, -1))))) return false;
      }
    }
    return true;
  });
}

/** The detail-types a statement lets the function put with `source: twinguard`. */
export function putDetailTypes(statements: readonly Statement[]): string[] {
  return statements
    .filter((s) => [s.Action].flat().includes('events:PutEvents'))
    .filter((s) => JSON.stringify(s.Condition?.['ForAllValues:StringEquals']?.['events:source']) === '["twinguard"]')
    .flatMap((s) => [s.Condition?.['StringEquals']?.['events:detail-type'] ?? []].flat());
}
