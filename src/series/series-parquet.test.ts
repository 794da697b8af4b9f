// Parquet answers read back with a Parquet reader hold exactly the columns and values of the JSON.
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { columnsToParquet } from './series-parquet.js';

async function read(buffer: Buffer) {
  const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  return parquetReadObjects({ file: file as ArrayBuffer });
}

describe('series as Parquet', () => {
  it('raw numbers, buckets with nulls and counts, booleans, strings, stacked series', async () => {
    const rows = await read(
      columnsToParquet([
        {
          columns: { t: [1000, 2000], avg: [1.5, null], count: [2, 0], last: [true, null] },
          prefix: { thingId: 'ns:a' },
        },
        {
          columns: { t: [3000], avg: [7], count: [1], last: [false] },
          prefix: { thingId: 'ns:b' },
        },
      ]),
    );
    expect(rows).toEqual([
      { thingId: 'ns:a', t: 1000n, avg: 1.5, count: 2n, last: true },
      { thingId: 'ns:a', t: 2000n, avg: null, count: 0n, last: null },
      { thingId: 'ns:b', t: 3000n, avg: 7, count: 1n, last: false },
    ]);
    expect(await read(columnsToParquet([{ columns: { t: [5], value: ['on'] } }]))).toEqual([
      { t: 5n, value: 'on' },
    ]);
  });
});
