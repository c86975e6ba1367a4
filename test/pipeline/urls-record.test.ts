import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter } from '../../src/io/byte-writer.js';
import { tableFromRows, urlsSchema, URL_COLUMNS, type Cell } from '../../src/pipeline/schemas.js';
import { decodeUrlsRecord, writeUrlsRecord } from '../../src/pipeline/urls-record.js';
import { buildUrlsTable } from '../../src/pipeline/urls-table.js';

test('a batch built from records equals the table built from the same rows as cells', () => {
  const columns = ['identifier', 'source_id', 'species', 'title', 'row_number', 'server_name'];
  const servers: [number, string][] = [[4, 'a.example'], [9, 'bücher.example:8080']];
  const rows = [
    { rowNumber: 1, server: 4, uuid: 'u1', values: ['https://a.example/1', 's1', 'Felis catus', null, 'in-row', 'ignored'] },
    { rowNumber: 7, server: 9, uuid: 'ü2', values: ['https://bücher.example:8080/2', null, '', 'a "title"'] },
    { rowNumber: 12, server: 4, uuid: 'u3', values: [] },
  ];
  const w = new ByteWriter(16);
  for (const r of rows) {
    const at = w.length;
    w.u32(0);
    writeUrlsRecord(w, r.rowNumber, r.server, r.uuid, r.values);
    w.buf.writeUInt32LE(w.length - at - 4, at);
    const decoded = decodeUrlsRecord(w.buf, at + 4);
    assert.deepEqual(decoded, { rowNumber: r.rowNumber, serverId: r.server, uuid: r.uuid, values: r.values });
  }
  const built = buildUrlsTable({ columns, servers, records: new Uint8Array(w.view()), rows: rows.length });

  // The reference: each row as a record, server_name set over it, cells in schema order.
  const schema = urlsSchema(columns.filter((n) => !(URL_COLUMNS as readonly string[]).includes(n)));
  const names = new Map(servers);
  const cells = rows.map((r): Cell[] => {
    const record: Record<string, string | null> = { uuid: r.uuid };
    columns.forEach((c, i) => (record[c] = r.values[i] ?? null));
    record.server_name = names.get(r.server)!;
    return schema.fields.map((f) => (f.name === 'row_number' ? r.rowNumber : record[f.name] ?? null));
  });
  const reference = tableFromRows(schema, cells);
  assert.deepEqual(built.schema.fields.map(String), reference.schema.fields.map(String));
  assert.deepEqual(built.toArray().map((r) => r.toJSON()), reference.toArray().map((r) => r.toJSON()));
});
