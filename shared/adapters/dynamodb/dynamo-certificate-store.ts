import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CertificatePage } from '../../model/removal-certificate.ts';
import type { CertificateStore, StoredCertificate } from '../../ports/certificate-store.ts';
import { auditPut } from './audit-put.ts';
import { queryAll } from './batch-reads.ts';
import { keys } from './keys.ts';
import { PendingLogWriter } from './pending-log.ts';
import { receiptPut } from './receipt-put.ts';
import type { TableNames } from './table-names.ts';
import { transactWithReceipt } from './transactions.ts';

/** Pages written side by side: a certificate of 100,000 placements has about 500. */
const PARALLEL_PUTS = 8;

/**
 * Certificates of removal in the consent table: the manifest once, in the grant's
 * certificate index (`CERTIFICATE#GRANT#<grantId>`, one item per job, so the certificates of
 * a grant are one Query), and the pages under the certificate's id, one item each (at most
 * `MAX_PAGE_BYTES`, well under DynamoDB's 400 KB).
 */
export class DynamoCertificateStore implements CertificateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly pendingLog = new PendingLogWriter(tables),
  ) {}

  async putPages(certificateId: string, pages: readonly CertificatePage[]): Promise<void> {
    const pk = keys.certificate(certificateId);
    for (let i = 0; i < pages.length; i += PARALLEL_PUTS) {
      await Promise.all(
        pages.slice(i, i + PARALLEL_PUTS).map((page) =>
          this.db.send(
            new PutCommand({
              TableName: this.tables.consent,
              Item: { pk, sk: pageSort(page.index), type: 'certificate-page', certificateId, ...page },
            }),
          ),
        ),
      );
    }
  }

  async commitCertificate({ certificate, receipt, audit }: Parameters<CertificateStore['commitCertificate']>[0]): Promise<void> {
    await transactWithReceipt(this.db, receiptPut(this.tables.consent, receipt), [
      {
        Put: {
          TableName: this.tables.consent,
          Item: { ...keys.grantCertificate(certificate.grantId, certificate.jobId), type: 'certificate', ...certificate },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...this.pendingLog.withMarker(audit.map((r) => auditPut(this.tables.audit, r))),
    ]);
  }

  async certificateOfJob(grantId: string, jobId: string): Promise<StoredCertificate | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tables.consent, Key: keys.grantCertificate(grantId, jobId), ConsistentRead: true }),
    );
    return out.Item === undefined ? undefined : stored(out.Item);
  }

  async certificatesOfGrant(grantId: string): Promise<StoredCertificate[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.consent,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.grantCertificate(grantId, '').pk },
    });
    return items.map(stored).sort((a, b) => a.claims.issuedAt.localeCompare(b.claims.issuedAt));
  }

  async pages(certificateId: string): Promise<CertificatePage[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.consent,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
      ExpressionAttributeValues: { ':pk': keys.certificate(certificateId), ':page': 'PAGE#' },
    });
    return items.map((item) => ({ index: item['index'] as number, entries: item['entries'] as CertificatePage['entries'] }));
  }
}

/** Zero-padded, so that pages sort in order. */
function pageSort(index: number): string {
  return `PAGE#${String(index).padStart(6, '0')}`;
}

function stored(item: Record<string, unknown>): StoredCertificate {
  const { certificateId, jobId, grantId, jws, claims } = item as unknown as StoredCertificate;
  return { certificateId, jobId, grantId, jws, claims };
}
