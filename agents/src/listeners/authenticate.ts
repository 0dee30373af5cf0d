/**
 * Who sent a node report: the bearer token goes to a TokenReview with the readers' audience; only the
 * configured ServiceAccount is accepted, and the node is the one the token is bound to (the token's
 * node-name extra, else the node of the pod it names). Answers are cached briefly by the token's
 * hash in a bounded map, so a fleet of readers costs the API server one review per token and TTL.
 */
import { createHash } from "node:crypto";
import { READER_AUDIENCE } from "./protocol.js";
import type { ReviewApi } from "./review-api.js";

const EXTRA_NODE = "authentication.kubernetes.io/node-name";
const EXTRA_POD = "authentication.kubernetes.io/pod-name";
const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";

export type RefusalReason =
  | "no-token"
  | "unauthenticated"
  | "wrong-service-account"
  | "no-node-binding"
  | "review-failed"
  | "wrong-node"
  | "bad-body"
  | "too-big"
  | "busy";

export type Authentication =
  | { ok: true; node: string; username: string }
  | { ok: false; status: 401 | 403 | 503; reason: RefusalReason; message: string };

export interface AuthenticatorOptions {
  api: ReviewApi;
  /** the readers' ServiceAccount */
  serviceAccount: { namespace: string; name: string };
  cacheTtlMs: number;
  /** refusals are kept shorter: a reader whose RBAC or pod is being set up gets in soon */
  refusalTtlMs: number;
  maxEntries: number;
  now: () => number;
}

export class ReaderAuthenticator {
  private readonly cache = new Map<string, { answer: Authentication; until: number }>();
  private readonly username: string;

  constructor(private readonly options: AuthenticatorOptions) {
    this.username = `system:serviceaccount:${options.serviceAccount.namespace}:${options.serviceAccount.name}`;
  }

  get cached(): number {
    return this.cache.size;
  }

  async authenticate(token: string): Promise<Authentication> {
    const key = createHash("sha256").update(token).digest("hex");
    const now = this.options.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    if (hit) this.cache.delete(key);
    const answer = await this.review(token);
    // An API failure is not an answer about the token: never cached.
    if (answer.ok || answer.reason !== "review-failed") {
      if (this.cache.size >= this.options.maxEntries) this.evict(now);
      this.cache.set(key, {
        answer,
        until: now + (answer.ok ? this.options.cacheTtlMs : this.options.refusalTtlMs),
      });
    }
    return answer;
  }

  /** Expired entries first; if none, the oldest (Map keeps insertion order). */
  private evict(now: number): void {
    for (const [key, entry] of this.cache) if (entry.until <= now) this.cache.delete(key);
    while (this.cache.size >= this.options.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private async review(token: string): Promise<Authentication> {
    let status: Awaited<ReturnType<ReviewApi["reviewToken"]>>;
    try {
      status = await this.options.api.reviewToken(token, [READER_AUDIENCE]);
    } catch (error) {
      return refuse(503, "review-failed", `TokenReview failed: ${(error as Error).message}`);
    }
    if (!status.authenticated) {
      return refuse(
        401,
        "unauthenticated",
        `the token is not valid${status.error ? ` (${status.error})` : ""}`,
      );
    }
    if (status.audiences && !status.audiences.includes(READER_AUDIENCE)) {
      return refuse(401, "unauthenticated", `the token is not for the audience ${READER_AUDIENCE}`);
    }
    if (status.username !== this.username) {
      return refuse(403, "wrong-service-account", `only ${this.username} may report node listeners`);
    }
    const node = status.extra?.[EXTRA_NODE]?.[0];
    if (node) return { ok: true, node, username: status.username };
    const podName = status.extra?.[EXTRA_POD]?.[0];
    if (!podName) {
      return refuse(
        403,
        "no-node-binding",
        "the token is not bound to a pod (use the projected token of the reader's pod)",
      );
    }
    let pod: Awaited<ReturnType<ReviewApi["readPod"]>>;
    try {
      pod = await this.options.api.readPod(this.options.serviceAccount.namespace, podName);
    } catch (error) {
      return refuse(503, "review-failed", `could not read pod ${podName}: ${(error as Error).message}`);
    }
    const uid = status.extra?.[EXTRA_POD_UID]?.[0];
    if (!pod || (uid && pod.uid && pod.uid !== uid)) {
      return refuse(403, "no-node-binding", `the token's pod ${podName} no longer exists`);
    }
    if (!pod.nodeName) return refuse(403, "no-node-binding", `pod ${podName} is not on a node`);
    return { ok: true, node: pod.nodeName, username: status.username };
  }
}

function refuse(status: 401 | 403 | 503, reason: RefusalReason, message: string): Authentication {
  return { ok: false, status, reason, message };
}
