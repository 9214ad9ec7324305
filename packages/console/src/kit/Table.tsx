import { type ReactNode, useId } from 'react';

export interface Column<Row> {
  key: string;
  header: string;
  /** The header is for screen readers only (e.g. a column of buttons). */
  headerHidden?: boolean;
  /** This column names the row (`<th scope="row">`; one per table). */
  rowHeader?: boolean;
  className?: string;
  /** The cell's content; `rowHeaderId` is the id of the row's header cell (for aria-describedby). */
  cell(row: Row, rowHeaderId: string): ReactNode;
}

/** A data table: a caption (for screen readers), column headers, and one row header per row. */
export function Table<Row>({
  caption,
  columns,
  rows,
  rowKey,
  rowBusy,
  className,
}: {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey(row: Row): string;
  /** The row's action is under way (`aria-busy`). */
  rowBusy?(row: Row): boolean;
  className?: string;
}) {
  const baseId = useId();
  return (
    <table className={['table', className].filter(Boolean).join(' ')}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.key} scope="col">
              {column.headerHidden ? <span className="visually-hidden">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => {
          const headerId = `${baseId}-${index}`;
          return (
            <tr key={rowKey(row)} aria-busy={rowBusy?.(row) || undefined}>
              {columns.map((column) =>
                column.rowHeader ? (
                  <th key={column.key} scope="row" id={headerId} className={column.className}>
                    {column.cell(row, headerId)}
                  </th>
                ) : (
                  <td key={column.key} className={column.className}>
                    {column.cell(row, headerId)}
                  </td>
                ),
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
