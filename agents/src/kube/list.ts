/**
 * A paginated LIST that keeps only what `convert` keeps: with limit=500 the agent holds one page of
 * raw objects at a time, so a 150,000-pod cluster costs the host-port pods, not the whole pod list.
 */
import { isGone, type KubeClient, type Resource } from "./api.js";

export interface ListOptions<T> {
  pageSize: number;
  fieldSelector?: string;
  /** The object's entry in the state, or null to drop it. */
  convert: (object: unknown) => { key: string; value: T } | null;
  signal?: AbortSignal;
  /** Restarts allowed when a continue token expires (410 Gone) in the middle of a long list. */
  maxRestarts?: number;
}

export interface ListResult<T> {
  items: Map<string, T>;
  resourceVersion: string;
  pages: number;
  /** Objects read, kept or not. */
  seen: number;
}

export async function listAll<T>(
  client: KubeClient,
  resource: Resource,
  options: ListOptions<T>,
): Promise<ListResult<T>> {
  const maxRestarts = options.maxRestarts ?? 3;
  for (let restart = 0; ; restart++) {
    try {
      return await listOnce(client, resource, options);
    } catch (error) {
      // The continue token outlived the API server's compaction window: start over from page one.
      if (!isGone(error) || restart >= maxRestarts) throw error;
    }
  }
}

async function listOnce<T>(
  client: KubeClient,
  resource: Resource,
  options: ListOptions<T>,
): Promise<ListResult<T>> {
  const items = new Map<string, T>();
  let continueToken: string | undefined;
  let resourceVersion = "";
  let pages = 0;
  let seen = 0;
  do {
    const page = await client.list(
      resource,
      {
        limit: options.pageSize,
        ...(continueToken ? { continueToken } : {}),
        ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
      },
      options.signal,
    );
    pages += 1;
    // Every page of one list carries the first page's version; the watch starts from it.
    if (pages === 1) resourceVersion = page.resourceVersion;
    for (const object of page.items) {
      seen += 1;
      const entry = options.convert(object);
      if (entry) items.set(entry.key, entry.value);
    }
    continueToken = page.continueToken;
  } while (continueToken);
  return { items, resourceVersion, pages, seen };
}
