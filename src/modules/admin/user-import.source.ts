import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { AppError } from '../../lib/errors';

// Reads an import file row by row, streaming (files of any size), keeping each row's line
// number. A row that cannot even be read (broken quoting, bad JSON) is returned with its
// error so that it is reported and the rest of the file still gets imported.

export type ImportFormat = 'csv' | 'jsonl';

export interface ImportFields {
  email?: unknown;
  name?: unknown;
  passwordHash?: unknown;
}

export type SourceRow = { line: number; fields: ImportFields } | { line: number; error: string };

/** The whole file is unusable (missing or unknown columns): nothing is imported. */
export class ImportFileError extends AppError {
  constructor(message: string) {
    super(400, 'invalid_import_file', message);
  }
}

const CSV_COLUMNS: Record<string, keyof ImportFields> = { email: 'email', name: 'name', password_hash: 'passwordHash' };
const JSON_FIELDS = new Set<string>(['email', 'name', 'passwordHash']);

export function formatOf(path: string): ImportFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  return undefined;
}

export function readImportFile(path: string, format: ImportFormat): AsyncIterable<SourceRow> {
  return readImportRows(createReadStream(path), format);
}

export function readImportRows(input: Readable, format: ImportFormat): AsyncIterable<SourceRow> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

async function* readCsv(input: Readable): AsyncGenerator<SourceRow> {
  const skipped: SourceRow[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error) => void skipped.push({ line: Number(error?.lines ?? 0), error: `malformed CSV: ${error?.message ?? 'unreadable'}` }),
    }),
  );
  let columns: Array<keyof ImportFields> | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipped.splice(0);
    if (!columns) {
      columns = csvColumns(record);
      continue;
    }
    if (record.length !== columns.length) {
      const hint = record.some((field) => field.startsWith('$argon2') || field.startsWith('$scrypt')) ? ' (password hashes contain commas: quote the password_hash field)' : '';
      yield { line: info.lines, error: `expected ${columns.length} fields, found ${record.length}${hint}` };
      continue;
    }
    const fields: ImportFields = {};
    columns.forEach((column, index) => (fields[column] = record[index]));
    yield { line: info.lines, fields };
  }
  yield* skipped.splice(0);
}

function csvColumns(header: string[]): Array<keyof ImportFields> {
  const names = header.map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(name in CSV_COLUMNS));
  if (unknown.length > 0) throw new ImportFileError(`Unknown CSV column(s): ${unknown.join(', ')}; the header is email,name,password_hash`);
  if (new Set(names).size !== names.length) throw new ImportFileError('A CSV column appears twice in the header');
  if (!names.includes('email')) throw new ImportFileError('The CSV header has no email column; the header is email,name,password_hash');
  return names.map((name) => CSV_COLUMNS[name]!);
}

async function* readJsonLines(input: Readable): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, error: 'not a JSON object' };
      continue;
    }
    const unknown = Object.keys(value).filter((key) => !JSON_FIELDS.has(key));
    if (unknown.length > 0) {
      yield { line, error: `unknown field(s) ${unknown.map((key) => `"${key}"`).join(', ')}; fields are email, name, passwordHash` };
      continue;
    }
    yield { line, fields: value as ImportFields };
  }
}

/** Lines in the file: the progress total (an estimate when quoted CSV fields span lines). */
export async function countLines(path: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) count += 1;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? count : count + 1;
}
