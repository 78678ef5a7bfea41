/**
 * A small HTTP client for tests that behaves like a browser where it matters: it keeps cookies,
 * sends Origin on form posts, and does not follow redirects (so tests can assert them).
 */
export class TestClient {
  private cookies = new Map<string, string>();

  constructor(readonly baseUrl: string, private readonly headers: Record<string, string> = {}) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string) {
    this.cookies.set(name, value);
  }

  async request(method: string, path: string, init: { body?: string | FormData | URLSearchParams; headers?: Record<string, string> } = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { 'accept-language': 'ja', ...this.headers, ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && method !== 'HEAD' && !('origin' in headers)) headers.origin = new URL(this.baseUrl).origin;
    const res = await fetch(this.baseUrl + path, { method, headers, body: init.body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return new TestResponse(res.status, res.headers, text);
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  /** Posts an HTML form (application/x-www-form-urlencoded). */
  postForm(path: string, fields: Record<string, string | number | string[]>, headers?: Record<string, string>) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (Array.isArray(v)) v.forEach((x) => body.append(k, x));
      else body.append(k, String(v));
    }
    return this.request('POST', path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  /** Posts an HTML form and returns the body as bytes (file downloads: Shift_JIS CSVs, PDFs). */
  async postFormBytes(path: string, fields: Record<string, string | number | string[]>): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (Array.isArray(v)) v.forEach((x) => body.append(k, x));
      else body.append(k, String(v));
    }
    const headers: Record<string, string> = { 'accept-language': 'ja', ...this.headers, 'content-type': 'application/x-www-form-urlencoded', origin: new URL(this.baseUrl).origin };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.baseUrl + path, { method: 'POST', headers, body, redirect: 'manual' });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  /** Sends JSON (the API). */
  json(method: string, path: string, data?: unknown, headers?: Record<string, string>) {
    return this.request(method, path, { body: data === undefined ? undefined : JSON.stringify(data), headers: { ...(data === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...headers } });
  }
}

export class TestResponse {
  constructor(readonly status: number, readonly headers: Headers, readonly text: string) {}
  json<T = any>(): T {
    return JSON.parse(this.text) as T;
  }
  get location(): string | null {
    return this.headers.get('location');
  }
  /** The value of a named hidden/text input in the page, e.g. an idempotency key. */
  inputValue(name: string): string | undefined {
    const re = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="${name}"`);
    const m = re.exec(this.text);
    return m ? (m[1] ?? m[2]) : undefined;
  }
}
