/**
 * Plain-text tables for the terminal: a header, a rule of dashes, and rows,
 * each column padded to its widest cell. No colours and no box drawing, so the
 * output reads the same in a log file, a CI page or a pipe.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Label/value lines with the values aligned: `label   value`. Continuation lines of a value are indented to match. */
export function fields(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([label]) => label.length));
  return entries
    .map(([label, value]) => {
      const [first = '', ...rest] = value.split('\n');
      return [`${label.padEnd(width)}  ${first}`.trimEnd(), ...rest.map((more) => `${' '.repeat(width + 2)}${more}`.trimEnd())].join('\n');
    })
    .join('\n');
}
