import { leftoverPath, protocolValue, backdoorPath, codePattern, commandPattern, foreignSoftwarePath, javaPattern, scannerAgent, sensitivePath, sessionFixationPattern, sessionParamName, sqliPattern, templatePattern, traversalPattern, xssPattern, type AttackClass } from './attack-patterns.ts';

export type { AttackClass } from './attack-patterns.ts';

export interface RequestHead {
  method: string;
  /** Path and query as received (still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const allowedMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Headers a browser sets from a fixed vocabulary: not inspected for injections (a User-Agent has `;` and `(`).
const structuralHeaders = new Set(['host', 'accept', 'accept-encoding', 'accept-language', 'connection', 'content-length', 'content-type', 'user-agent', 'cache-control', 'pragma', 'upgrade-insecure-requests', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'if-none-match', 'if-modified-since', 'dnt', 'te', 'priority', 'origin', 'authorization', 'x-cart-token', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'keep-alive', 'proxy-connection']);
const maxHeaderBytes = 8192;
const maxValueChars = 4096;

const valueClasses: Array<[AttackClass, RegExp]> = [
  ['sqli', sqliPattern],
  ['xss', xssPattern],
  ['traversal', traversalPattern],
  ['template_injection', templatePattern],
  ['command_injection', commandPattern],
  ['code_injection', codePattern],
  ['java_injection', javaPattern],
  ['session_fixation', sessionFixationPattern],
];

function decodeOnce(s: string): string {
  if (!/%[0-9a-f]{2}|%u[0-9a-f]{4}/i.test(s)) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

const entities: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', lpar: '(', rpar: ')', tab: '\t', newline: '\n', sol: '/', bsol: '\\', num: '#', semi: ';', equals: '=', grave: '`', lsqb: '[', rsqb: ']', lcub: '{', rcub: '}', excl: '!', period: '.', comma: ',', quest: '?', percnt: '%', plus: '+' };

/** The forms an attack hides in: percent-encoding (twice), HTML entities, JS/CSS escapes, SQL comments, NUL and odd spaces. */
export function normalizations(raw: string): string[] {
  const v = raw.length > maxValueChars ? raw.slice(0, maxValueChars) : raw;
  const once = decodeOnce(v);
  const twice = decodeOnce(once);
  let n = twice
    .replace(/&#x0*([0-9a-f]{1,6});?/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#0*(\d{1,7});?/g, (_, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&([a-z]+);/gi, (m, name: string) => entities[name.toLowerCase()] ?? m)
    .replace(/\\u\{?([0-9a-f]{4})\}?|\\x([0-9a-f]{2})/gi, (_, u?: string, x?: string) => String.fromCharCode(parseInt((u ?? x)!, 16)))
    .normalize('NFKC')
    .toLowerCase();
  const folded = n
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\s+/g, ' ');
  // Shell evasion: quotes, backslashes and carets inside a word (c'a't, w\hoami, who^ami).
  const unquoted = folded.replace(/(?<=\w)(?:''|""|\\|\^|'(?=\w)|"(?=\w))+(?=\w)/g, '');
  n = folded;
  return [...new Set([n, unquoted, v.toLowerCase()])];
}

function matchValue(raw: string, found: Set<AttackClass>): void {
  if (!raw || raw.length < 2) return;
  // Plain words, numbers, kana and kanji cannot hold an attack: the common case costs one test.
  if (/^[\p{L}\p{N}\s_,@+-]*$/u.test(raw) && !/\b(?:select|union|or|and|having|sleep|cat|id|ls|dir|if|for|exec|system|eval|ping|whoami|ifconfig|uname|net|cmd|powershell|set|echo|information_schema|tempdb|msdb|northwind|schema_name|msysaccessobjects|sysobjects|syscolumns|sqlite_master|all_tables|dba_users|pg_catalog|\d{10,})\b|union\w*select/i.test(raw)) return;
  for (const v of normalizations(raw)) for (const [cls, re] of valueClasses) if (!found.has(cls) && re.test(v)) found.add(cls);
  if (!found.has('protocol') && /[\r\n]|%0[ad]|http\//i.test(raw) && protocolValue.test(decodeOnce(raw))) found.add('protocol');
}

function queryPairs(query: string): string[] {
  const out: string[] = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
    const value = eq < 0 ? '' : part.slice(eq + 1).replace(/\+/g, ' ');
    out.push(name, value);
  }
  return out;
}

/** Classes found in the request line and headers (runs in onRequest: before routing, no body yet). */
export function classifyHead(req: RequestHead): Set<AttackClass> {
  const found = new Set<AttackClass>();
  const method = req.method.toUpperCase();
  if (!allowedMethods.has(method)) found.add('protocol');
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const path = decodeOnce(decodeOnce(rawPath)).toLowerCase();
  if (/[\u0000\r\n]/.test(path) || /%00|%0d|%0a/i.test(query)) found.add('protocol');
  if (backdoorPath.test(path)) found.add('backdoor');
  else if (sensitivePath.test(path) || foreignSoftwarePath.test(path) || leftoverPath.test(path)) found.add('sensitive_file');
  if (/%u[0-9a-f]{4}/i.test(req.url) || !validUtf8(req.url)) found.add('protocol');
  for (const segment of rawPath.split('/')) if (segment) matchValue(segment, found);
  if (/[^\w/.-]|\.\.|\/\//.test(rawPath)) matchValue(rawPath, found);
  const pairs = queryPairs(query);
  for (const v of pairs) matchValue(v, found);
  // CRS 920360-920380: argument name, value and count limits (a search box needs far less)
  if (pairs.length > 510 || pairs.some((p, i) => p.length > (i % 2 ? 400 : 100))) found.add('protocol');
  for (let i = 0; i < pairs.length; i += 2) if (sessionParamName.test(decodeOnce(pairs[i]!))) sessionInParam(req, found);

  let total = 0;
  let count = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    count += values.length;
    for (const v of values) {
      total += name.length + v.length;
      if (v.length > maxHeaderBytes || /[\u0000\r\n]|%00/.test(v)) found.add('protocol');
      if (structuralHeaders.has(name)) continue;
      if (/^x[-_.]?file[-_.]?name$/.test(name) && /\.\s*(?:jspx?|php\w?|phtml|aspx?|sh|cgi|pl|py|exe)\W*$|(?:^|[\\/])sess_[\w-]{10,}/i.test(v)) found.add('code_injection');
      if (name === 'cookie') for (const c of v.split(/;\s*/)) matchValue(c.slice(c.indexOf('=') + 1), found), matchValue(c.slice(0, Math.max(0, c.indexOf('='))), found);
      else matchValue(v, found);
    }
    if (!structuralHeaders.has(name) && name !== 'cookie') matchValue(name, found);
  }
  if (count > 100 || total > 32_768) found.add('protocol');
  protocolChecks(req, found);
  const ua = header(req, 'user-agent');
  if (ua === undefined || ua === '') found.add('scanner');
  else {
    if (scannerAgent.test(ua)) found.add('scanner');
    // Shellshock and Log4Shell arrive in the User-Agent.
    if (/[<>]|javascript:/i.test(ua)) matchValue(ua, found);
    if (/\(\s*\)\s*\{|\$\{\s*jndi|<script|\$\{[^}]*\$\{/i.test(ua)) found.add(/jndi/i.test(ua) ? 'java_injection' : /<script/i.test(ua) ? 'xss' : 'command_injection');
  }
  return found;
}

function validUtf8(url: string): boolean {
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return !/%[89a-f][0-9a-f]/i.test(url);
  }
}

function header(req: RequestHead, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function sessionInParam(req: RequestHead, found: Set<AttackClass>) {
  const referer = header(req, 'referer');
  const host = header(req, 'host');
  // CRS 943110: a session id handed over in a link from another site.
  if (!referer || !host) return found.add('session_fixation');
  try {
    if (new URL(referer).host !== host) found.add('session_fixation');
  } catch {
    found.add('session_fixation');
  }
}

const contentTypes = /^(?:application\/x-www-form-urlencoded|multipart\/form-data|application\/json|text\/plain|application\/csp-report|application\/reports\+json)$/;

function protocolChecks(req: RequestHead, found: Set<AttackClass>) {
  const cl = header(req, 'content-length');
  if (cl !== undefined && !/^\d{1,12}$/.test(cl)) found.add('protocol');
  const te = header(req, 'transfer-encoding');
  if (te !== undefined && (cl !== undefined || !/^chunked$/i.test(te.trim()) || /^(?:GET|HEAD)$/i.test(req.method))) found.add('protocol');
  if (cl !== undefined && cl !== '0' && header(req, 'content-type') === undefined) found.add('protocol');
  if (/\b(?:keep-alive|close)\s*,\s*(?:keep-alive|close)\b/i.test(header(req, 'connection') ?? '')) found.add('protocol');
  const ct = header(req, 'content-type');
  if (ct !== undefined) {
    const [type = '', ...params] = ct.split(';').map((s) => s.trim().toLowerCase());
    if (!contentTypes.test(type) && !/^application\/[\w.+-]*xml$|^text\/xml$/.test(type)) found.add('protocol');
    for (const p of params) {
      if (/^charset=/.test(p) && !/^charset=["']?(?:utf-8|utf8|iso-8859-1|us-ascii|shift_jis|euc-jp|windows-31j)["']?$/.test(p)) found.add('protocol');
      if (/^boundary=/.test(p) && (type !== 'multipart/form-data' || /["',]|[^\x21-\x7e]/.test(p.slice(9).replace(/^"|"$/g, '')))) found.add('protocol');
    }
    if (/,|\bcharset=[^;]*;[\s\S]*charset=/i.test(ct) || /^\s*$/.test(type)) found.add('protocol');
  }
  if (/^(?:GET|HEAD)$/i.test(req.method) && (cl && cl !== '0' || ct !== undefined)) found.add('protocol');
  const range = header(req, 'range') ?? header(req, 'request-range');
  if (range !== undefined && (header(req, 'request-range') !== undefined || range.split(',').length > 5 || /bytes\s*=\s*0*[1-9]?\d*\s*-\s*\d*\s*,|^\s*bytes\s*=\s*[^\d]/i.test(range) || !/^\s*bytes\s*=/i.test(range))) found.add('protocol');
  if (header(req, 'proxy') !== undefined || header(req, 'lock-token') !== undefined || header(req, 'x-http-method-override') !== undefined || header(req, 'content-encoding') !== undefined && !/^(?:gzip|deflate|br|identity)$/i.test(header(req, 'content-encoding')!)) found.add('protocol');
  if (header(req, 'host') === undefined || /^\d+\.\d+\.\d+\.\d+(?::\d+)?$/.test(header(req, 'host')!)) found.add('protocol');
  const accept = header(req, 'accept');
  if (accept === undefined && !/^(?:OPTIONS)$/i.test(req.method)) found.add('protocol');
  for (const name of Object.keys(req.headers)) if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/i.test(name)) found.add('protocol');
}

/** Strings in a parsed body (form or JSON): keys and values, bounded. */
function bodyStrings(body: unknown, out: string[], depth = 0): void {
  if (out.length > 400 || depth > 8) return;
  if (typeof body === 'string') out.push(body);
  else if (Array.isArray(body)) for (const v of body) bodyStrings(v, out, depth + 1);
  else if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      out.push(k);
      bodyStrings(v, out, depth + 1);
    }
  }
}

/** Classes found in a parsed body (runs in preValidation, after parsing, before the handler). */
export function classifyBody(body: unknown): Set<AttackClass> {
  const found = new Set<AttackClass>();
  const strings: string[] = [];
  bodyStrings(body, strings);
  for (const s of strings) matchValue(s, found);
  for (const s of strings) if (sessionParamName.test(s) && typeof body === 'object') found.add('session_fixation');
  return found;
}
