import type pg from 'pg';

export interface FieldInfo {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: string;
}

/** The shape of node-postgres' result, as plain data (it may cross a thread boundary). */
export interface DbResult<R extends pg.QueryResultRow = pg.QueryResultRow> {
  command: string;
  rowCount: number | null;
  rows: R[];
  fields: FieldInfo[];
}

/**
 * A handler's statement, always on the extended protocol, even without parameters:
 * Postgres then refuses a text with several statements, so a value spliced into the
 * text cannot append SQL of its own.
 */
export function extendedQuery(text: string, params: readonly unknown[]): pg.QueryConfig {
  // `queryMode` is in pg 8.23 but not yet in @types/pg.
  return { text, values: params as unknown[], queryMode: 'extended' } as pg.QueryConfig;
}

export function toDbResult<R extends pg.QueryResultRow>(result: pg.QueryResult<R>): DbResult<R> {
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map((field) => ({
      name: field.name,
      tableID: field.tableID,
      columnID: field.columnID,
      dataTypeID: field.dataTypeID,
      dataTypeSize: field.dataTypeSize,
      dataTypeModifier: field.dataTypeModifier,
      format: field.format,
    })),
  };
}
