import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

/** Past these a plain zip needs Zip64, which this writer does not do: exports are capped well below. */
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;
/** Bit 3: sizes and CRC follow the data (they are not known before it streams); bit 11: names in UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;

/** DOS time and date of `at` (the zip's own format; local time as zip tools expect). */
function dosTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | (at.getSeconds() >> 1),
    date: ((at.getFullYear() - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}

interface Written {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/**
 * A zip written as a stream, file after file, each deflated as its bytes arrive: only the central directory (a few
 * dozen bytes a file) is held until the end. Nothing in the stack writes zips, and this is a page long.
 */
export class ZipWriter {
  private readonly files: Written[] = [];
  private offset = 0;
  private readonly time: number;
  private readonly date: number;

  constructor(at = new Date()) {
    ({ time: this.time, date: this.date } = dosTime(at));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  /** The bytes of one file of the zip: its header, its deflated `data`, then its sizes and CRC. */
  async *file(fileName: string, data: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    if (this.files.length >= MAX_ENTRIES) throw new Error('too many files for a zip without Zip64');
    const name = Buffer.from(fileName, 'utf8');
    const written: Written = { name, crc: 0, compressed: 0, size: 0, offset: this.offset };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(this.time, 10);
    local.writeUInt16LE(this.date, 12);
    local.writeUInt16LE(name.length, 26);
    yield this.count(Buffer.concat([local, name]));

    const deflate = createDeflateRaw();
    const source = Readable.from(
      (async function* () {
        for await (const chunk of data) {
          written.crc = crc32(chunk, written.crc);
          written.size += chunk.length;
          yield chunk;
        }
      })(),
    );
    const piped = pipeline(source, deflate);
    // Awaited below; when the reader stops early or the data fails, the loop's error is the one that counts.
    piped.catch(() => undefined);
    for await (const chunk of deflate as AsyncIterable<Buffer>) {
      written.compressed += chunk.length;
      yield this.count(chunk);
    }
    await piped;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(written.crc, 4);
    descriptor.writeUInt32LE(written.compressed, 8);
    descriptor.writeUInt32LE(written.size, 12);
    yield this.count(descriptor);
    this.files.push(written);
  }

  /** The central directory and its end record: the last bytes of the zip. */
  end(): Buffer {
    const centrals = this.files.map((file) => {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4); // made by
      central.writeUInt16LE(20, 6);
      central.writeUInt16LE(FLAGS, 8);
      central.writeUInt16LE(DEFLATE, 10);
      central.writeUInt16LE(this.time, 12);
      central.writeUInt16LE(this.date, 14);
      central.writeUInt32LE(file.crc, 16);
      central.writeUInt32LE(file.compressed, 20);
      central.writeUInt32LE(file.size, 24);
      central.writeUInt16LE(file.name.length, 28);
      central.writeUInt32LE(file.offset, 42);
      return Buffer.concat([central, file.name]);
    });
    const directory = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.files.length, 8);
    end.writeUInt16LE(this.files.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(this.offset, 16);
    return this.count(Buffer.concat([directory, end]));
  }

  private count(bytes: Buffer): Buffer {
    this.offset += bytes.length;
    if (this.offset > MAX_BYTES) throw new Error('too large for a zip without Zip64');
    return bytes;
  }
}
