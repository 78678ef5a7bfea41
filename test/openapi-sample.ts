/**
 * Plausible request bodies from an OpenAPI document, for tests that resend every write operation with a hostile
 * value in one field (the card-number guard tests and the issue 3 proof test).
 */

export type Schema = Record<string, any>;

export function deref(doc: any, s: Schema | undefined): Schema {
  let cur = s ?? {};
  while (cur.$ref) cur = cur.$ref.split('/').slice(1).reduce((o: any, k: string) => o[k], doc);
  return cur;
}

/** The branch of anyOf/oneOf a client would send (not null), allOf merged. */
export function pick(doc: any, s: Schema): Schema {
  s = deref(doc, s);
  const options = s.anyOf ?? s.oneOf;
  if (options) return pick(doc, options.find((o: Schema) => deref(doc, o).type !== 'null') ?? options[0]);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((o: Schema) => pick(doc, o)));
  return s;
}

export const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type);

export const plausible: Record<string, string> = {
  email: 'hanako@example.jp',
  password: 'correct horse battery staple',
  name: '山田 花子',
  name_kana: 'ヤマダ ハナコ',
  postal_code: '150-0001',
  prefecture: '東京都',
  city: '渋谷区',
  line1: '神宮前1-2-3',
  line2: 'おまもりビル 4F',
  phone: '03-1234-5678',
  note: '午前中に届けてください',
};

export function sample(doc: any, raw: Schema, name = ''): unknown {
  const s = pick(doc, raw);
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  switch (typeOf(s)) {
    case 'object':
      return Object.fromEntries(Object.entries<Schema>(s.properties ?? {}).map(([k, v]) => [k, sample(doc, v, k)]));
    case 'array':
      return [sample(doc, s.items ?? {}, name)];
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      return plausible[name] ?? (s.format === 'email' ? 'hanako@example.jp' : 'テスト');
  }
}

export function setAt(target: any, path: string[], value: unknown) {
  let o = target;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path.at(-1)!] = value;
}
