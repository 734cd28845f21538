import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/engine.js';
import { importFile, type ImportSummary } from '../../ingest/importer.js';
import { importOptionsSchema } from '../../ingest/options.js';
import { RequestError } from '../errors.js';
import { route } from '../route.js';

// The import options minus the file-system ones: an upload's rejects come back in the response instead.
const uploadQuerySchema = importOptionsSchema.omit({ entity: true, rejectsFile: true }).extend({
  filename: z.string().min(1).default('upload.csv'),
});

/** The answer to an upload: the import's summary, with the rejected rows as CSV instead of a file (skipInvalid). */
export type ImportUploadResult = Omit<ImportSummary, 'rejectsFile'> & { rejectsCsv?: string };

/**
 * POST /api/v1/imports/:entity with the CSV file as the raw body (text/csv). The upload streams to a temporary
 * file and goes through the same importer as `winback import`: same validation, same messages, all or nothing.
 */
export function registerImportRoutes(app: FastifyInstance, database: Database): void {
  // CSV bodies are not parsed in memory: the stream goes to disk, so uploads of any size keep memory flat.
  app.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], (_request, payload, done) => done(null, payload));

  route(
    app,
    {
      method: 'POST',
      url: '/api/v1/imports/:entity',
      tag: 'import',
      summary: 'Import a CSV file, all or nothing (same validation and messages as `winback import`)',
      params: z.object({ entity: importOptionsSchema.shape.entity }),
      query: uploadQuerySchema,
      rawBody: { contentType: 'text/csv', description: 'the CSV file, with a header row' },
      successStatus: 201,
    },
    async ({ params, query }, request, reply): Promise<ImportUploadResult> => {
      const { filename, ...options } = query;
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
        const { rejectsFile, ...result } = await importFile(
          database,
          path,
          { ...options, entity: params.entity, rejectsFile: join(dir, 'rejects.csv') },
          { displayName: filename, signal: abort.signal },
        );
        return { ...result, ...(rejectsFile ? { rejectsCsv: readFileSync(rejectsFile, 'utf8') } : {}) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
