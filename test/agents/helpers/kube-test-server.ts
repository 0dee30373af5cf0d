/**
 * A Kubernetes-API-compatible test server (nodes and pods of core/v1, and optionally OpenShift's
 * operator.openshift.io/v1 ingresscontrollers), good enough for the agent's client and kubectl:
 * discovery (/api, /apis, /api/v1, /apis/operator.openshift.io/v1, /version), LIST with
 * limit/continue and field selectors, GET of one object, and WATCH from a resourceVersion with
 * bookmarks, timeoutSeconds and 410 Gone after compaction. Test helper only; never shipped.
 *
 * Objects are kept as JSON strings with their selectable fields beside them, so the benchmark can
 * hold 150,000 pods without the server itself dominating memory. Deviation from a real API server:
 * continuation pages are read from the current state (keys after the last one sent), not from a
 * snapshot at the first page's resourceVersion; a client that watches from that resourceVersion
 * still sees every change, which is exactly the guarantee the agent relies on.
 */
import { EventEmitter } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Resource = "nodes" | "pods" | "ingresscontrollers";

interface Stored {
  key: string;
  rv: number;
  json: string;
  fields: Record<string, string>;
}

interface HistoryEntry {
  rv: number;
  resource: Resource;
  before: Stored | undefined;
  after: Stored | undefined;
}

interface Watcher {
  resource: Resource;
  namespace: string | undefined;
  selector: Requirement[];
  bookmarks: boolean;
  res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

interface Requirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

interface InjectedFailure {
  path: RegExp;
  status: number;
  remaining: number;
  headers: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

const kindOf: Record<Resource, string> = {
  nodes: "Node",
  pods: "Pod",
  ingresscontrollers: "IngressController",
};
const OPERATOR_GROUP_VERSION = "operator.openshift.io/v1";
const apiVersionOf: Record<Resource, string> = {
  nodes: "v1",
  pods: "v1",
  ingresscontrollers: OPERATOR_GROUP_VERSION,
};

const fieldsOf: Record<Resource, (obj: KubeJson) => Record<string, string>> = {
  nodes: (obj) => ({
    "metadata.name": str(obj.metadata?.name),
    "spec.unschedulable": String(obj.spec?.unschedulable === true),
  }),
  pods: (obj) => ({
    "metadata.name": str(obj.metadata?.name),
    "metadata.namespace": str(obj.metadata?.namespace),
    "spec.nodeName": str(obj.spec?.nodeName),
    "spec.hostNetwork": String(obj.spec?.hostNetwork === true),
    "status.phase": str(obj.status?.phase),
  }),
  ingresscontrollers: (obj) => ({
    "metadata.name": str(obj.metadata?.name),
    "metadata.namespace": str(obj.metadata?.namespace),
  }),
};

// biome-ignore lint/suspicious/noExplicitAny: arbitrary Kubernetes JSON; the server only reads a few fields.
type KubeJson = Record<string, any>;

const str = (v: unknown) => (typeof v === "string" ? v : "");

const keyOf = (resource: Resource, obj: KubeJson) =>
  resource !== "nodes"
    ? `${str(obj.metadata?.namespace)}/${str(obj.metadata?.name)}`
    : str(obj.metadata?.name);

export interface KubeTestServerOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Serve operator.openshift.io/v1 ingresscontrollers (an OpenShift cluster); otherwise they 404. */
  openshift?: boolean;
  /** Answer TokenReviews (authentication.k8s.io/v1): the review's status for a token and audiences. */
  reviewToken?: (token: string, audiences: string[]) => Record<string, unknown>;
}

export class KubeTestServer {
  readonly events = new EventEmitter();
  readonly requests: RecordedRequest[] = [];
  /** Set false to stop recording requests (the benchmark makes thousands). */
  recordRequests = true;
  private readonly store: Record<Resource, Map<string, Stored>> = {
    nodes: new Map(),
    pods: new Map(),
    ingresscontrollers: new Map(),
  };
  private readonly sortedKeys: Record<Resource, string[] | undefined> = {
    nodes: undefined,
    pods: undefined,
    ingresscontrollers: undefined,
  };
  private history: HistoryEntry[] = [];
  private rv = 1;
  private compactedRv = 1;
  private readonly watchers = new Set<Watcher>();
  private readonly failures: InjectedFailure[] = [];
  /** requests held unanswered (hangNext) until the server closes */
  private readonly hangs: { path: RegExp; remaining: number }[] = [];
  private readonly server = createServer((req, res) => this.handle(req, res));
  private uidCounter = 0;
  url = "";

  constructor(private options: KubeTestServerOptions = {}) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A kubeconfig for this server (plain http; insecure-skip-tls-verify as kubectl wants for a test server). */
  writeKubeconfig(path: string, context = "test"): string {
    const user = this.options.token ? `    token: ${this.options.token}\n` : "    {}\n";
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters:
- name: test-cluster
  cluster:
    server: ${this.url}
    insecure-skip-tls-verify: true
users:
- name: test-user
  user:
${user}contexts:
- name: ${context}
  context:
    cluster: test-cluster
    user: test-user
current-context: ${context}
`,
    );
    return path;
  }

  /** Starts (or stops) serving operator.openshift.io, as installing the ingress operator's CRD would. */
  serveOpenShift(on: boolean): void {
    this.options = { ...this.options, openshift: on };
  }

  get resourceVersion(): number {
    return this.rv;
  }

  // ---- state changes -------------------------------------------------------------------------

  /** Creates or replaces an object, as a controller's create/update would; returns its new version. */
  apply(resource: Resource, object: KubeJson): KubeJson {
    const obj = structuredClone(object);
    const key = keyOf(resource, obj);
    const before = this.store[resource].get(key);
    this.rv += 1;
    obj.metadata = { ...obj.metadata, resourceVersion: String(this.rv) };
    obj.metadata.uid ??= `00000000-0000-4000-8000-${(++this.uidCounter).toString(16).padStart(12, "0")}`;
    obj.apiVersion = apiVersionOf[resource];
    obj.kind = kindOf[resource];
    const after: Stored = { key, rv: this.rv, json: JSON.stringify(obj), fields: fieldsOf[resource](obj) };
    this.store[resource].set(key, after);
    if (!before) this.sortedKeys[resource] = undefined;
    this.record({ rv: this.rv, resource, before, after });
    return obj;
  }

  remove(resource: Resource, key: string): void {
    const before = this.store[resource].get(key);
    if (!before) throw new Error(`no ${resource} ${key}`);
    this.rv += 1;
    const obj = JSON.parse(before.json) as KubeJson;
    obj.metadata.resourceVersion = String(this.rv);
    this.store[resource].delete(key);
    this.sortedKeys[resource] = undefined;
    const gone: Stored = { ...before, rv: this.rv, json: JSON.stringify(obj) };
    this.record({ rv: this.rv, resource, before: gone, after: undefined });
  }

  /**
   * Loads many objects as the initial state without watch history (the benchmark's 150,000 pods):
   * watches from before the load get 410, as after an etcd compaction.
   */
  load(resource: Resource, objects: Iterable<KubeJson>): void {
    for (const object of objects) {
      const key = keyOf(resource, object);
      this.rv += 1;
      object.metadata = { ...object.metadata, resourceVersion: String(this.rv) };
      object.apiVersion = apiVersionOf[resource];
      object.kind = kindOf[resource];
      this.store[resource].set(key, {
        key,
        rv: this.rv,
        json: JSON.stringify(object),
        fields: fieldsOf[resource](object),
      });
    }
    this.sortedKeys[resource] = undefined;
    this.compact();
  }

  get(resource: Resource, key: string): KubeJson | undefined {
    const stored = this.store[resource].get(key);
    return stored ? (JSON.parse(stored.json) as KubeJson) : undefined;
  }

  count(resource: Resource): number {
    return this.store[resource].size;
  }

  /** Forgets the watch history, like etcd compaction: watches from older versions get 410 Gone. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      this.writeEvent(
        w,
        "BOOKMARK",
        `{"kind":"${kindOf[w.resource]}","apiVersion":"${apiVersionOf[w.resource]}","metadata":{"resourceVersion":"${this.rv}"}}`,
      );
    }
  }

  /** Ends every open watch stream (as an API server restart or a load balancer timeout would). */
  closeWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w);
  }

  /** The next `count` requests whose path matches answer `status` (e.g. 500, 429 or 410). */
  failNext(path: RegExp, status: number, count = 1, headers: Record<string, string> = {}): void {
    this.failures.push({ path, status, remaining: count, headers });
  }

  /** The next `count` requests whose path matches are never answered (a hung API server). */
  hangNext(path: RegExp, count = 1): void {
    this.hangs.push({ path, remaining: count });
  }

  watcherCount(resource?: Resource): number {
    return [...this.watchers].filter((w) => !resource || w.resource === resource).length;
  }

  /** Resolves when a watch of `resource` is open (at once if one already is). */
  async watching(resource: Resource, atLeast = 1): Promise<void> {
    while (this.watcherCount(resource) < atLeast) {
      await new Promise<void>((resolve) => this.events.once("watch", () => resolve()));
    }
  }

  // ---- HTTP (handlers return undefined: "answered") --------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? "/", "http://localhost");
    const query = Object.fromEntries(url.searchParams);
    if (this.recordRequests) {
      this.requests.push({
        method: req.method ?? "GET",
        path: url.pathname,
        query,
        authorization: req.headers.authorization,
      });
    }
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return this.status(res, 401, "Unauthorized", "Unauthorized");
    }
    const hang = this.hangs.find((h) => h.remaining > 0 && h.path.test(url.pathname + url.search));
    if (hang) {
      hang.remaining -= 1;
      this.events.emit("hang", url.pathname);
      return undefined; // held open: close() ends it with closeAllConnections()
    }
    const failure = this.failures.find((f) => f.remaining > 0 && f.path.test(url.pathname + url.search));
    if (failure) {
      failure.remaining -= 1;
      for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
      const reason =
        failure.status === 410
          ? "Expired"
          : failure.status === 429
            ? "TooManyRequests"
            : failure.status === 403
              ? "Forbidden"
              : "InternalError";
      return this.status(res, failure.status, reason, `injected failure ${failure.status}`);
    }
    if (
      req.method === "POST" &&
      url.pathname === "/apis/authentication.k8s.io/v1/tokenreviews" &&
      this.options.reviewToken
    ) {
      this.tokenReview(req, res, this.options.reviewToken);
      return undefined;
    }
    if (req.method !== "GET")
      return this.status(res, 405, "MethodNotAllowed", "the test server is read-only");
    const path = url.pathname.replace(/\/+$/, "");
    try {
      if (path === "/api") return this.json(res, 200, apiVersions(this.url));
      const openshift = this.options.openshift === true;
      if (path === "/apis")
        return this.json(res, 200, {
          kind: "APIGroupList",
          apiVersion: "v1",
          groups: openshift ? [operatorGroup] : [],
        });
      if (path === "/api/v1") return this.json(res, 200, coreResources);
      if (openshift && path === "/apis/operator.openshift.io") return this.json(res, 200, operatorGroup);
      if (openshift && path === `/apis/${OPERATOR_GROUP_VERSION}`)
        return this.json(res, 200, operatorResources);
      if (path === "/version") return this.json(res, 200, version);
      const match =
        /^\/api\/v1(?:\/namespaces\/([^/]+))?\/(nodes|pods)(?:\/([^/]+))?$/.exec(path) ??
        (openshift
          ? /^\/apis\/operator\.openshift\.io\/v1(?:\/namespaces\/([^/]+))?\/(ingresscontrollers)(?:\/([^/]+))?$/.exec(
              path,
            )
          : null);
      if (!match)
        return this.status(res, 404, "NotFound", `the server could not find the requested resource`);
      const [, namespace, resource, name] = match as unknown as [
        string,
        string | undefined,
        Resource,
        string?,
      ];
      if (resource === "nodes" && namespace)
        return this.status(res, 404, "NotFound", "nodes are not namespaced");
      if (name) return this.getOne(res, resource, namespace ? `${namespace}/${name}` : name);
      const selector = parseSelector(resource, query.fieldSelector ?? "");
      if (query.labelSelector) {
        return this.status(res, 400, "BadRequest", "labelSelector is not supported by the test server");
      }
      if (query.watch === "true" || query.watch === "1")
        return this.watch(req, res, resource, namespace, selector, query);
      return this.list(res, resource, namespace, selector, query);
    } catch (error) {
      if (error instanceof SelectorError) return this.status(res, 400, "BadRequest", error.message);
      throw error;
    }
  }

  private tokenReview(
    req: IncomingMessage,
    res: ServerResponse,
    review: NonNullable<KubeTestServerOptions["reviewToken"]>,
  ): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        spec?: { token?: string; audiences?: string[] };
      };
      const spec = body.spec ?? {};
      this.json(res, 201, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        metadata: {},
        spec,
        status: review(spec.token ?? "", spec.audiences ?? []),
      });
    });
  }

  private getOne(res: ServerResponse, resource: Resource, key: string): undefined {
    const stored = this.store[resource].get(key);
    if (!stored) return this.status(res, 404, "NotFound", `${resource} "${key}" not found`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(stored.json);
  }

  private keys(resource: Resource): string[] {
    this.sortedKeys[resource] ??= [...this.store[resource].keys()].sort();
    return this.sortedKeys[resource];
  }

  private list(
    res: ServerResponse,
    resource: Resource,
    namespace: string | undefined,
    selector: Requirement[],
    query: Record<string, string>,
  ): undefined {
    const limit = Number(query.limit ?? "0");
    let listRv = this.rv;
    let after: string | undefined;
    if (query.continue) {
      let token: { rv: number; key: string };
      try {
        token = JSON.parse(Buffer.from(query.continue, "base64url").toString("utf8")) as typeof token;
      } catch {
        return this.status(res, 400, "BadRequest", "invalid continue token");
      }
      if (token.rv < this.compactedRv) {
        return this.status(
          res,
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        );
      }
      listRv = token.rv;
      after = token.key;
    }
    const keys = this.keys(resource);
    const store = this.store[resource];
    const items: string[] = [];
    let i = after === undefined ? 0 : upperBound(keys, after);
    let lastKey: string | undefined;
    for (; i < keys.length; i++) {
      const key = keys[i] as string;
      const stored = store.get(key);
      if (!stored || !matches(stored, namespace, selector)) continue;
      if (limit > 0 && items.length === limit) break;
      items.push(stored.json);
      lastKey = key;
    }
    const more = i < keys.length && lastKey !== undefined;
    const continueToken = more
      ? Buffer.from(JSON.stringify({ rv: listRv, key: lastKey })).toString("base64url")
      : undefined;
    const meta = continueToken
      ? `{"resourceVersion":"${listRv}","continue":"${continueToken}"}`
      : `{"resourceVersion":"${listRv}"}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      `{"kind":"${kindOf[resource]}List","apiVersion":"${apiVersionOf[resource]}","metadata":${meta},"items":[${items.join(",")}]}`,
    );
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    resource: Resource,
    namespace: string | undefined,
    selector: Requirement[],
    query: Record<string, string>,
  ): undefined {
    const watcher: Watcher = {
      resource,
      namespace,
      selector,
      bookmarks: query.allowWatchBookmarks === "true",
      res,
      timer: undefined,
    };
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders(); // clients see the watch open before the first event, as with a real server
    const from = query.resourceVersion;
    if (from === undefined || from === "" || from === "0") {
      // No version: the current state as synthetic ADDED events, then changes.
      for (const key of this.keys(resource)) {
        const stored = this.store[resource].get(key);
        if (stored && matches(stored, namespace, selector)) this.writeEvent(watcher, "ADDED", stored.json);
      }
    } else {
      const since = Number(from);
      if (!Number.isFinite(since) || since < this.compactedRv) {
        this.writeEvent(
          watcher,
          "ERROR",
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: `too old resource version: ${from} (${this.compactedRv})`,
            reason: "Expired",
            code: 410,
          }),
        );
        res.end();
        return;
      }
      for (const entry of this.history) {
        if (entry.rv > since && entry.resource === resource) this.deliver(watcher, entry);
      }
    }
    const timeout = Number(query.timeoutSeconds ?? "0");
    if (timeout > 0) watcher.timer = setTimeout(() => this.endWatch(watcher), timeout * 1000);
    this.watchers.add(watcher);
    req.on("close", () => this.endWatch(watcher));
    this.events.emit("watch", resource);
  }

  private endWatch(watcher: Watcher): void {
    if (!this.watchers.delete(watcher)) return;
    if (watcher.timer) clearTimeout(watcher.timer);
    watcher.res.end();
    this.events.emit("unwatch", watcher.resource);
  }

  private record(entry: HistoryEntry): void {
    this.history.push(entry);
    for (const w of this.watchers) if (w.resource === entry.resource) this.deliver(w, entry);
  }

  /** An object entering or leaving a watch's selection is ADDED or DELETED for that watch. */
  private deliver(watcher: Watcher, entry: HistoryEntry): void {
    const was = entry.before !== undefined && matches(entry.before, watcher.namespace, watcher.selector);
    const is = entry.after !== undefined && matches(entry.after, watcher.namespace, watcher.selector);
    if (is && entry.after) this.writeEvent(watcher, was ? "MODIFIED" : "ADDED", entry.after.json);
    else if (was && entry.before) {
      // A delete carries the object at its deletion version; leaving the selection, its last state.
      const json = entry.after ? entry.after.json : entry.before.json;
      this.writeEvent(watcher, "DELETED", json);
    }
  }

  private writeEvent(watcher: Watcher, type: string, objectJson: string): void {
    watcher.res.write(`{"type":"${type}","object":${objectJson}}\n`);
  }

  private json(res: ServerResponse, status: number, body: unknown): undefined {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): undefined {
    this.json(res, code, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      code,
    });
  }
}

export async function startKubeTestServer(options: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  return new KubeTestServer(options).start();
}

class SelectorError extends Error {}

const selectableFields: Record<Resource, string[]> = {
  nodes: ["metadata.name", "spec.unschedulable"],
  pods: ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.hostNetwork", "status.phase"],
  ingresscontrollers: ["metadata.name", "metadata.namespace"],
};

function parseSelector(resource: Resource, text: string): Requirement[] {
  if (text === "") return [];
  return text.split(",").map((part) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw new SelectorError(`invalid field selector: "${part}"`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!selectableFields[resource].includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return { field, op: op === "!=" ? "!=" : "=", value };
  });
}

function matches(stored: Stored, namespace: string | undefined, selector: Requirement[]): boolean {
  if (namespace !== undefined && stored.fields["metadata.namespace"] !== namespace) return false;
  return selector.every((r) => (stored.fields[r.field] === r.value) === (r.op === "="));
}

/** Index of the first key greater than `key` in a sorted array. */
function upperBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const apiVersions = (url: string) => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: new URL(url).host }],
});

const verbs = ["get", "list", "watch"];
const coreResources = {
  kind: "APIResourceList",
  groupVersion: "v1",
  resources: [
    { name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs, shortNames: ["no"] },
    {
      name: "pods",
      singularName: "pod",
      namespaced: true,
      kind: "Pod",
      verbs,
      shortNames: ["po"],
      categories: ["all"],
    },
  ],
};

const operatorGroup = {
  kind: "APIGroup",
  apiVersion: "v1",
  name: "operator.openshift.io",
  versions: [{ groupVersion: OPERATOR_GROUP_VERSION, version: "v1" }],
  preferredVersion: { groupVersion: OPERATOR_GROUP_VERSION, version: "v1" },
};

const operatorResources = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: OPERATOR_GROUP_VERSION,
  resources: [
    {
      name: "ingresscontrollers",
      singularName: "ingresscontroller",
      namespaced: true,
      kind: "IngressController",
      verbs: [...verbs, "create", "delete", "patch", "update"],
    },
  ],
};

const version = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.2-portolan-test",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-11-01T00:00:00Z",
  goVersion: "go1.22.8",
  compiler: "gc",
  platform: "linux/amd64",
};
