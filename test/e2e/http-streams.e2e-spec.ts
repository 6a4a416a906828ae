import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MailingExportService } from '../../src/mailing/import/mailing-export.service';
import { MailingImportService } from '../../src/mailing/import/mailing-import.service';
import { SubscribersAdminRepository } from '../../src/mailing/subscribers/subscribers-admin.repository';
import { StoredFile } from '../../src/members/catalogue/entities/stored-file.entity';
import { createList } from '../factories/mailing';
import { createLesson, createProduct, FACTORY_ACTOR } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');

/** Services take forms and give streams; these check the two ends: a broken form, and a reader that is slow. */
describe('forms in, streams out: what the services get and give', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_UPLOAD_BYTES: '4096' } });
    const a = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, a.email, a.password);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const leftovers = () => fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'));

  it('the export reads its next batch from the database only once the reader has taken most of the last one', async () => {
    const list = await createList(t);
    const k = tag();
    const file = path.join(t.testDb.dir, `slow-${k}.csv`);
    // Long names, so that a batch of rows is several times what the streams between it and the reader can hold.
    const name = 'N'.repeat(190);
    fs.writeFileSync(file, ['email,name', ...Array.from({ length: 2500 }, (_, i) => `slow${i}-${k}@example.com,${name} ${i}`)].join('\n'));
    await t.app.get(MailingImportService).importFile(FACTORY_ACTOR, file, { mode: 'subscribe', listId: list.id, dryRun: false });

    let read = 0;
    const readAtBatch: number[] = [];
    const repo = t.app.get(SubscribersAdminRepository);
    const batchAfter = repo.batchAfter.bind(repo);
    jest.spyOn(repo, 'batchAfter').mockImplementation((...args) => {
      readAtBatch.push(read);
      return batchAfter(...args);
    });
    const { csv } = await t.app.get(MailingExportService).export(FACTORY_ACTOR, { listId: list.id });
    expect(readAtBatch).toEqual([]); // nothing is read before the reader asks
    // A slow reader: one chunk per turn of the event loop.
    for await (const chunk of csv) {
      read += (chunk as Buffer).length;
      await nextTurn();
    }
    // Each batch (1000 rows) is asked for only once the reader has taken all of the rows before it but what the
    // streams in between hold (the CSV's buffer and a few dozen rows), never a batch ahead of the reader.
    expect(readAtBatch).toHaveLength(4); // three batches and the empty one that ends the walk
    const rowBytes = read / 2500;
    const inBetween = csv.readableHighWaterMark + 64 * rowBytes;
    expect(inBetween).toBeLessThan(500 * rowBytes);
    for (let i = 1; i < readAtBatch.length; i++) expect(readAtBatch[i]).toBeGreaterThan(Math.min(i * 1000, 2500) * rowBytes - inBetween);
  });

  it('a multipart body cut short is a 400, not a 500, and leaves no temporary file', async () => {
    const product = await createProduct(t);
    const lesson = await createLesson(t, product.id, { title: 'Cut' });
    const page = await admin.get(`/admin/lessons/${lesson.id}`).expect(200);
    const boundary = 'kabinet-cut';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.text)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    // The file part starts, and the body ends without its closing boundary.
    const cut = await admin.post(`/admin/lessons/${lesson.id}/files`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(Buffer.concat([Buffer.from(head), Buffer.alloc(100, 1)]));
    expect(cut.status).toBe(400);
    expect(cut.text).toContain('Choose a file to upload.');
    const noBoundary = await admin.post(`/admin/lessons/${lesson.id}/files`).set('Content-Type', 'multipart/form-data').set('X-CSRF-Token', csrfFrom(page.text)).send('x');
    expect(noBoundary.status).toBe(400);
    const mailing = await admin.get('/admin/mailing/import').expect(200);
    const cutCsv = await admin.post('/admin/mailing/import').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(Buffer.concat([Buffer.from(head.replace(csrfFrom(page.text), csrfFrom(mailing.text))), Buffer.from('email,name\na@example.com,A')]));
    expect(cutCsv.status).toBe(400);
    expect(leftovers()).toEqual([]);
    expect(await t.db.manager.countBy(StoredFile, { lessonId: lesson.id })).toBe(0);
  });

  it('a client that goes away mid-upload leaves no temporary file, and the app serves the next request', async () => {
    const product = await createProduct(t);
    const lesson = await createLesson(t, product.id, { title: 'Gone' });
    const page = await admin.get(`/admin/lessons/${lesson.id}`).expect(200);
    const cookie = String((page as unknown as { req: http.ClientRequest }).req.getHeader('cookie'));
    const server = t.http.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const boundary = 'kabinet-gone';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.text)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="gone.bin"\r\n\r\n`;
      const req = http.request({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        method: 'POST',
        path: `/admin/lessons/${lesson.id}/files`,
        headers: { Cookie: cookie, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
      });
      req.on('error', () => undefined);
      req.write(Buffer.concat([Buffer.from(head), Buffer.alloc(1000, 1)]));
      // Once the server has started the temporary file, the client leaves.
      const deadline = Date.now() + 5000;
      while (!leftovers().length && Date.now() < deadline) await nextTurn();
      expect(leftovers()).toHaveLength(1);
      req.destroy();
      while (leftovers().length && Date.now() < deadline) await nextTurn();
      expect(leftovers()).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await t.db.manager.countBy(StoredFile, { lessonId: lesson.id })).toBe(0);
    await admin.get(`/admin/lessons/${lesson.id}`).expect(200);
  });
});
