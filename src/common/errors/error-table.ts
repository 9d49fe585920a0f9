import { ERROR_CODES, statusOf, typeOf } from './error-codes';

export const ERROR_TABLE_START =
  '<!-- error-table:start (npm run openapi writes this table from src/common/errors/error-codes.ts) -->';
export const ERROR_TABLE_END = '<!-- error-table:end -->';

/** docs/api.md's table of every code with its one status and type, as ERROR_TABLE has them. */
export function renderErrorTable(): string {
  const rows = ERROR_CODES.map((code) => `| \`${code}\` | ${statusOf(code)} | \`${typeOf(code)}\` |`);
  return [ERROR_TABLE_START, '| code | HTTP status | type |', '|---|---|---|', ...rows, ERROR_TABLE_END].join('\n');
}

/** `markdown` with its error table replaced by the current one. */
export function withErrorTable(markdown: string): string {
  const start = markdown.indexOf(ERROR_TABLE_START);
  const end = markdown.indexOf(ERROR_TABLE_END);
  if (start < 0 || end < start) throw new Error('docs/api.md has no error-table markers');
  return markdown.slice(0, start) + renderErrorTable() + markdown.slice(end + ERROR_TABLE_END.length);
}
