/**
 * `fetch` over node:http(s) for the portolan binary. Node 20's global fetch compiles its WebAssembly
 * HTTP parser on the first connection: about a third of a second, more than the rest of a command.
 * Each request gets its own connection (no keep-alive agent), so nothing holds the process open after.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";

type Body = string | Uint8Array | undefined;

function bodyOf(init: RequestInit | undefined): Body {
  const body = init?.body ?? undefined;
  if (body === undefined || typeof body === "string" || body instanceof Uint8Array) return body;
  throw new TypeError("the CLI sends only string or byte bodies");
}

export const nodeFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input);
  const send = url.protocol === "https:" ? (await import("node:https")).request : httpRequest;
  const body = bodyOf(init);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, {
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      agent: false,
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    req.once("response", resolve);
    req.once("error", reject);
    req.end(body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers))
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  const status = response.statusCode ?? 0;
  // A 204 or 304 Response may not have a body.
  const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
  return new Response(payload, { status, statusText: response.statusMessage ?? "", headers });
};
