import type { z } from 'zod';
import { ErrorBody } from '@parta/protocol';

/** An error from the API (its stable code) or from the network (`network`). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get isNetwork(): boolean {
    return this.code === 'network';
  }
}

export interface ApiOptions {
  base?: string;
  token: () => string | null;
  locale: () => string;
  /** Called when the server says the session is gone (401). */
  onUnauthenticated?: () => void;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The typed fetch client: every response is validated with the protocol's zod schema,
 * so the app only ever sees data of the shape the protocol promises.
 */
export class Api {
  constructor(private readonly opts: ApiOptions) {}

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { 'accept-language': this.opts.locale() };
    const token = this.opts.token();
    if (token) h.authorization = `Bearer ${token}`;
    if (json) h['content-type'] = 'application/json';
    return h;
  }

  url(path: string): string {
    return `${this.opts.base ?? ''}${path}`;
  }

  async request<S extends z.ZodType>(method: Method, path: string, schema: S | null, body?: unknown, signal?: AbortSignal): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await fetch(this.url(path), {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError('network', 0, (err as Error).message);
    }
    return this.read(res, schema);
  }

  async read<S extends z.ZodType>(res: Response, schema: S | null): Promise<z.infer<S>> {
    const text = await res.text();
    const data: unknown = text ? safeJson(text) : null;
    if (!res.ok) throw this.toError(res.status, data);
    if (!schema) return undefined as z.infer<S>;
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new ApiError('bad_response', res.status, parsed.error.message);
    return parsed.data;
  }

  toError(status: number, data: unknown): ApiError {
    if (status === 401) this.opts.onUnauthenticated?.();
    const e = ErrorBody.safeParse(data);
    if (e.success) return new ApiError(e.data.error.code, status, e.data.error.message, e.data.error.details);
    return new ApiError(status >= 500 ? 'internal' : 'network', status, `HTTP ${status}`);
  }

  get<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal) {
    return this.request('GET', path, schema, undefined, signal);
  }
  post<S extends z.ZodType>(path: string, schema: S | null, body?: unknown) {
    return this.request('POST', path, schema, body ?? {});
  }
  patch<S extends z.ZodType>(path: string, schema: S | null, body: unknown) {
    return this.request('PATCH', path, schema, body);
  }
  put<S extends z.ZodType>(path: string, schema: S | null, body: unknown) {
    return this.request('PUT', path, schema, body);
  }
  delete(path: string) {
    return this.request('DELETE', path, null);
  }

  /** A multipart upload with progress (XMLHttpRequest: fetch cannot report upload progress). */
  upload<S extends z.ZodType>(method: 'POST' | 'PUT', path: string, schema: S, form: FormData, onProgress?: (fraction: number) => void): Promise<z.infer<S>> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, this.url(path));
      for (const [k, v] of Object.entries(this.headers(false))) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress?.(e.loaded / e.total);
      };
      xhr.onerror = () => reject(new ApiError('network', 0, 'upload failed'));
      xhr.onload = () => {
        const res = new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status });
        this.read(res, schema).then(resolve, reject);
      };
      xhr.send(form);
    });
  }

  /** Fetches a protected file (photos, attachments) as an object URL. */
  async blobUrl(path: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(this.url(path), { headers: this.headers(false) });
    } catch (err) {
      throw new ApiError('network', 0, (err as Error).message);
    }
    if (!res.ok) throw this.toError(res.status, safeJson(await res.text()));
    return URL.createObjectURL(await res.blob());
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
