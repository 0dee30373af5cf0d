/**
 * Requests to the API server with a KubeAccess: TLS (CA, client certificate, skip-verify, server
 * name) on one keep-alive agent, and the Authorization header of the access's credentials, fetched
 * per request (a rotated service-account token, an exec plugin's renewed token). node:http(s) only:
 * the agent's whole Kubernetes client is this file and client.ts, not @kubernetes/client-node, whose
 * import alone cost about 70 MiB of resident memory (docs/performance.md, "Agent").
 */

import { readFile } from "node:fs/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { KubeAccess } from "./access.js";
import { KubeApiError } from "./api.js";
import { clientNodeCredentials, type ProviderCredential } from "./client-node-auth.js";
import { type ExecCredential, execCredentials } from "./exec-credential.js";

/** What a request is authenticated with, fetched per request. */
type Credential = ExecCredential & ProviderCredential;

/** A token file is read again after this long (the kubelet renews projected tokens well before expiry). */
const TOKEN_FILE_TTL_MS = 60_000;
/** The part of an error answer kept for its message. */
const MAX_ERROR_BODY = 64 * 1024;

export interface KubeRequest {
  method?: "GET" | "POST";
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export class KubeHttp {
  private readonly credential: () => Promise<Credential>;
  private agent: http.Agent | undefined;
  /** The exec plugin's client certificate the current agent was made with. */
  private agentCert: string | undefined;

  constructor(
    private readonly access: KubeAccess,
    now: () => number = Date.now,
  ) {
    this.credential = credentialSource(access, now);
  }

  url(path: string, query: KubeRequest["query"] = {}): URL {
    const url = new URL(this.access.server + path);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  /** The response whatever its status; rejects on network errors and aborts. */
  async open(path: string, request: KubeRequest = {}): Promise<IncomingMessage> {
    const credential = await this.credential();
    const url = this.url(path, request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
    if (credential.authorization) headers.authorization = credential.authorization;
    else if (credential.token) headers.authorization = `Bearer ${credential.token}`;
    else if (this.access.auth.kind === "basic") {
      const { username, password } = this.access.auth;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const transport = url.protocol === "https:" ? https : http;
    const { signal } = request;
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { method: request.method ?? "GET", headers, agent: this.agentFor(url, credential) },
        resolve,
      );
      // Not http.request's own `signal` option: a watch aborted from inside its event callback then
      // left an AbortError nobody handled (kube-list-watch tests). A plain destroy ends the response's
      // stream with an error its reader catches, and the caller tells an abort by its signal.
      const onAbort = () => req.destroy();
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("close", () => signal?.removeEventListener("abort", onAbort));
      req.on("error", (error) => reject(signal?.aborted ? signal.reason : error));
      req.end(body);
    });
  }

  /** The parsed JSON body of a 2xx answer; a KubeApiError with the status otherwise. */
  async json(path: string, request: KubeRequest = {}): Promise<unknown> {
    const res = await this.open(path, request);
    if (!isSuccess(res)) throw statusError(res, await readText(res));
    // Each chunk becomes text as it arrives: no socket buffer is kept until the page ends (kept
    // buffers outlive young-generation collections and pile up outside the heap, page after page).
    res.setEncoding("utf8");
    let text = "";
    for await (const chunk of res as AsyncIterable<string>) text += chunk;
    return JSON.parse(text);
  }

  private agentFor(url: URL, credential: Credential): http.Agent {
    if (this.agent && this.agentCert === credential.cert) return this.agent;
    this.agent?.destroy();
    const { tls } = this.access;
    this.agentCert = credential.cert;
    this.agent =
      url.protocol === "https:"
        ? new https.Agent({
            keepAlive: true,
            rejectUnauthorized: !tls.insecure,
            ...(credential.ca ? { ca: credential.ca } : tls.ca ? { ca: tls.ca } : {}),
            ...(tls.serverName ? { servername: tls.serverName } : {}),
            ...(credential.cert && credential.key
              ? { cert: credential.cert, key: credential.key }
              : tls.cert && tls.key
                ? { cert: tls.cert, key: tls.key }
                : {}),
          })
        : new http.Agent({ keepAlive: true });
    return this.agent;
  }
}

export function isSuccess(res: IncomingMessage): boolean {
  return res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
}

/** A non-2xx answer as a KubeApiError carrying the Status object's message, when there is one. */
export function statusError(res: IncomingMessage, text: string): KubeApiError {
  let detail = "";
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === "string") detail = ` (${status.message})`;
  } catch {
    // Not a Status object (a proxy's HTML page): the HTTP status says enough.
  }
  return new KubeApiError(`HTTP ${res.statusCode}${detail}`, res.statusCode);
}

/** An error answer's body as text, cut at `max` bytes. */
export async function readText(res: IncomingMessage, max = MAX_ERROR_BODY): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (length < max) chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function credentialSource(access: KubeAccess, now: () => number): () => Promise<Credential> {
  const { auth } = access;
  switch (auth.kind) {
    case "token": {
      const credential = Promise.resolve({ token: auth.token });
      return () => credential;
    }
    case "token-file": {
      let cached: { token: Promise<ExecCredential>; at: number } | undefined;
      return () => {
        if (cached && now() - cached.at < TOKEN_FILE_TTL_MS) return cached.token;
        const token = readFile(auth.path, "utf8").then((text) => ({ token: text.trim() }));
        const entry = { token, at: now() };
        cached = entry;
        token.catch(() => {
          if (cached === entry) cached = undefined;
        });
        return token;
      };
    }
    case "exec":
      return execCredentials(auth.plugin, now);
    case "client-node":
      return clientNodeCredentials(auth.kubeconfig, auth.context, auth.provider);
    case "basic":
    case "none": {
      const none = Promise.resolve({});
      return () => none;
    }
  }
}
