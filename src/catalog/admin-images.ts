import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { multipartCardScreen } from '../platform/card-numbers/card-guard.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import { checkMultipartText } from '../platform/http/request-bytes.ts';
import { redirectAfterPost } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { a } from './admin-messages.ts';
import { idParam, renderEditor } from './admin-products.ts';
import { imageAltSchema } from './admin-schemas.ts';
import { sniffImageType } from './images.ts';
import { removeUploads, storeUpload, stripImageMetadata } from './uploads.ts';

type Upload = { ok: true; bytes: Buffer; fields: Record<string, string> } | { ok: false; error: 'imageRequired' | 'imageType' | 'imageTooLarge'; fields: Record<string, string> };

/** Reads the one file part and the alt-text fields, within the configured size cap. */
async function readUpload(req: FastifyRequest, maxBytes: number): Promise<Upload> {
  const fields: Record<string, string> = {};
  let bytes: Buffer | null = null;
  let tooLarge = false;
  const cardScreen = multipartCardScreen(req); // T2: multipart values and file names are screened too
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 2000, parts: 8 } })) {
      checkMultipartText(req, part.fieldname, part.type === 'field' ? part.value : part.filename); // NUL and controls: 422, not a 500
      if (part.type === 'field') cardScreen.field(part.fieldname, part.value);
      else cardScreen.file(part.fieldname, part.filename);
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
      } else if (part.fieldname === 'file' && bytes === null) {
        bytes = await part.toBuffer();
      } else {
        part.file.resume();
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') tooLarge = true;
    else if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return { ok: false, error: 'imageRequired', fields };
    else throw err;
  }
  await cardScreen.check();
  if (tooLarge) return { ok: false, error: 'imageTooLarge', fields };
  if (!bytes || bytes.length === 0) return { ok: false, error: 'imageRequired', fields };
  return { ok: true, bytes, fields };
}

export const imageAdminRoutes: RouteModule = (app, s) => {
  const write = { config: { permission: 'catalog.write' as const } };

  // Multipart parsing exists only in this sub-context: no other route accepts file uploads.
  app.register(async (uploads) => {
    await uploads.register(multipart);
    uploads.post<{ Params: { id: string } }>('/products/:id/images', write, async (req, reply) => {
      const id = idParam(req.params.id);
      const product = await s.ctx.db.selectFrom('product').select('id').where('id', '=', id).executeTakeFirst();
      if (!product) throw new AppError('not_found');
      const maxBytes = s.ctx.config.uploadMaxBytes;
      const upload = await readUpload(req, maxBytes);
      const max = Math.floor((maxBytes / 1024 / 1024) * 10) / 10;
      const refuse = (key: 'imageRequired' | 'imageType' | 'imageTooLarge', status: number) =>
        renderEditor(req, reply, s, id, { image: { values: upload.fields, errors: { file: a(req.locale, key, { max }) } } }, status);
      if (!upload.ok) return refuse(upload.error, upload.error === 'imageTooLarge' ? 413 : 422);
      const alt = parseInput(imageAltSchema, upload.fields, req.locale);
      if (!alt.ok) return renderEditor(req, reply, s, id, { image: { values: upload.fields, errors: alt.errors } }, 422);
      // T3: the type comes from the file's own bytes, never from its name or the client's Content-Type.
      const type = sniffImageType(upload.bytes);
      if (!type) return refuse('imageType', 422);
      // T2/T4: stored without EXIF/GPS, XMP or text chunks.
      const clean = await stripImageMetadata(upload.bytes, type, req.log);
      if (!clean) return refuse('imageType', 422);
      await saveImage(s, id, clean, type, alt.data);
      return redirectAfterPost(reply, `/admin/products/${id}?saved=1#images-heading`);
    });
  });

  app.post<{ Params: { id: string; iid: string } }>('/products/:id/images/:iid/delete', write, async (req, reply) => {
    const id = idParam(req.params.id);
    const deleted = await s.catalog.write((trx) =>
      trx.deleteFrom('product_image').where('id', '=', idParam(req.params.iid)).where('product_id', '=', id).returning('file_name').executeTakeFirst(),
    );
    if (!deleted) throw new AppError('not_found');
    await removeUploads(s.ctx.config.dataDir, [deleted.file_name]);
    return redirectAfterPost(reply, `/admin/products/${id}?deleted=1#images-heading`);
  });
};

async function saveImage(s: Services, productId: number, bytes: Buffer, type: ReturnType<typeof sniffImageType> & string, alt: { alt_ja: string; alt_en: string }) {
  const fileName = await storeUpload(s.ctx.config.dataDir, bytes, type);
  try {
    await s.catalog.write(async (trx) => {
      const { next } = await trx.selectFrom('product_image').select(sql<number>`coalesce(max(position), -1) + 1`.as('next')).where('product_id', '=', productId).executeTakeFirstOrThrow();
      await trx.insertInto('product_image').values({ product_id: productId, file_name: fileName, content_type: type, byte_size: bytes.length, position: next, ...alt }).execute();
    });
  } catch (err) {
    await removeUploads(s.ctx.config.dataDir, [fileName]);
    throw err;
  }
}
