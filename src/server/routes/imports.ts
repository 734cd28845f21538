import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/engine.js';
import { importFile } from '../../ingest/importer.js';
import { importOptionsSchema } from '../../ingest/options.js';
import { parseRequest, RequestError } from '../errors.js';

// The import options minus the file-system ones: an upload's rejects come back in the response instead.
const uploadQuerySchema = importOptionsSchema.omit({ entity: true, rejectsFile: true }).extend({
  filename: z.string().min(1).default('upload.csv'),
});

/**
 * POST /api/v1/imports/:entity with the CSV file as the raw body (text/csv). The upload streams to a temporary
 * file and goes through the same importer as `winback import`: same validation, same messages, all or nothing.
 */
export function registerImportRoutes(app: FastifyInstance, database: Database): void {
  // CSV bodies are not parsed in memory: the stream goes to disk, so uploads of any size keep memory flat.
  app.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], (_request, payload, done) => done(null, payload));

  app.post('/api/v1/imports/:entity', { bodyLimit: Number.MAX_SAFE_INTEGER }, async (request, reply) => {
    const { entity } = parseRequest(z.object({ entity: importOptionsSchema.shape.entity }), request.params);
    const { filename, ...options } = parseRequest(uploadQuerySchema, request.query);
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function') {
      throw new RequestError('unsupported_media_type', 'send the CSV file as the request body with Content-Type: text/csv');
    }
    const dir = mkdtempSync(join(tmpdir(), 'winback-upload-'));
    try {
      const path = join(dir, 'upload.csv');
      await pipeline(body, createWriteStream(path));
      // A client that goes away before the answer cancels the import (it rolls back).
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const summary = await importFile(
        database,
        path,
        { ...options, entity, rejectsFile: join(dir, 'rejects.csv') },
        { displayName: filename, signal: abort.signal },
      );
      const { rejectsFile, ...result } = summary;
      const rejects = rejectsFile ? readFileSync(rejectsFile, 'utf8') : undefined;
      return reply.status(201).send({ ...result, ...(rejects ? { rejectsCsv: rejects } : {}) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
