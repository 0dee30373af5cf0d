/**
 * One POST with node:http/https. Not fetch: Node's fetch loads undici, about 11 MiB of resident
 * memory, a quarter of the reader's budget (bench/node-reader.ts). The answer's body is read up to
 * a small bound (it only carries a refusal's reason).
 */
import http from "node:http";
import https from "node:https";

export interface PostRequest {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export interface PostAnswer {
  status: number;
  /** the start of the answer's body */
  text: string;
}

export type Post = (url: string, request: PostRequest) => Promise<PostAnswer>;

const MAX_ANSWER = 4096;

export const httpPost: Post = (url, request) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    const req = transport.request(
      target,
      {
        method: "POST",
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        signal: request.signal,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < MAX_ANSWER) text += chunk.slice(0, MAX_ANSWER - text.length);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
