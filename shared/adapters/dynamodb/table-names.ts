/** The tables every DynamoDB adapter is built on: each is constructed as `(db, tables)`. */
export interface TableNames {
  consent: string;
  audit: string;
  /** Keeps due items apart per namespace (tests share one table); default none. */
  dueNamespace?: string;
  /** Keeps the transparency log apart per namespace (tests share one table); default none. */
  logNamespace?: string;
}
