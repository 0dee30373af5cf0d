import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { log } from "../logging/logger.js";
import { checkedTransaction, checkedUnsafe } from "./checked-results.js";
import * as schema from "./schema/index.js";
import type { DatabaseHandle, Db } from "./types.js";

/** How long the database may take, on both sides of the connection (README: configuration). */
export interface DatabaseTimeouts {
  /** postgres.js: give up opening a connection after this */
  connectTimeoutSeconds: number;
  /** postgres.js: close a pooled connection unused for this long */
  idleTimeoutSeconds: number;
  /** postgres.js: replace a connection after this long, so none lives forever */
  maxLifetimeSeconds: number;
  /** server side, per statement; the server cancels it with 57014 */
  statementTimeoutMs: number;
  /** server side, waiting for a row or table lock; the server answers 55P03 */
  lockTimeoutMs: number;
  /** server side: a session idle inside an open transaction is terminated (25P03) */
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = {
  connectTimeoutSeconds: 5,
  idleTimeoutSeconds: 60,
  maxLifetimeSeconds: 30 * 60,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
};

/** Migrations may rewrite big tables and wait for another replica's migration lock: no limit there. */
export const MIGRATION_TIMEOUTS: DatabaseTimeouts = {
  ...DEFAULT_TIMEOUTS,
  statementTimeoutMs: 0,
  lockTimeoutMs: 0,
};

export interface PostgresOptions {
  max?: number;
  timeouts?: DatabaseTimeouts;
  /** Node: opens each connection's socket (src/db/watched-socket.ts bounds its silence) */
  socket?: SocketFactory;
}

/**
 * postgres.js' `socket` option (untyped in its .d.ts): called with the parsed options, returns the
 * socket the connection speaks over.
 */
export type SocketFactory = (options: { host: string[]; port: number[]; path: string | false }) => unknown;

export interface PostgresHandle extends DatabaseHandle {
  /** Replaces every pooled connection (the old pool drains in the background). */
  recycle(): void;
}

export function createPostgresDatabase(url: string, options: PostgresOptions = {}): PostgresHandle {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const open = () =>
    postgres(url, {
      max: options.max ?? 10,
      onnotice: () => {},
      // Off: the schema needs no array types from the catalogue (bulk-insert.ts writes array literals),
      // it saves a round trip per connection, and postgres.js runs that query outside any caller's
      // promise, so a connection lost right after its handshake was an unhandled rejection: an exit.
      fetch_types: false,
      connect_timeout: timeouts.connectTimeoutSeconds,
      idle_timeout: timeouts.idleTimeoutSeconds,
      max_lifetime: timeouts.maxLifetimeSeconds,
      // `socket` is a real postgres.js option its type declarations omit.
      ...((options.socket ? { socket: options.socket } : {}) as object),
      // Startup parameters: the server enforces these per session, whatever the client does.
      connection: {
        statement_timeout: timeouts.statementTimeoutMs,
        lock_timeout: timeouts.lockTimeoutMs,
        idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
      },
    });
  let client = open();
  /**
   * A result that cannot be right (checked-results.ts) came from `from`: that pool is replaced,
   * unless it already was (one damaged connection must not recycle pool after pool).
   */
  const discard = (from: Sql) => (error: Error) => {
    if (from !== client) return;
    log("warn", "database answered an impossible result: its pool was replaced", {
      code: (error as { code?: string }).code,
    });
    handle.recycle();
  };
  /**
   * A connection whose handshake timed out may be one the driver left with a stale write buffer
   * (isClosedConnectionWrite below): it stalls every later handshake the same way, so it would answer
   * one request in every burst with CONNECT_TIMEOUT for good. Its pool is replaced (once per pool);
   * while the database is really down this costs one new, idle pool per timeout.
   */
  const discardStalled = (from: Sql) => (error: unknown) => {
    if (from !== client || (error as { code?: unknown } | null)?.code !== "CONNECT_TIMEOUT") return;
    log("warn", "a database connection timed out in its handshake: its pool was replaced", {
      code: "CONNECT_TIMEOUT",
    });
    handle.recycle();
  };
  // drizzle keeps one client for the database's life, so it gets a stand-in that forwards to the
  // current pool; these three members are all drizzle's postgres-js session uses. Every answer is
  // checked on its way through (checked-results.ts), in transactions too.
  const current = {
    options: client.options,
    unsafe: ((...args: Parameters<Sql["unsafe"]>) => {
      const from = client;
      return checkedUnsafe((...a) => from.unsafe(...a), discard(from), discardStalled(from))(...args);
    }) as Sql["unsafe"],
    begin: ((...args: unknown[]) => {
      const from = client;
      const body = args[args.length - 1];
      if (typeof body !== "function") return (from.begin as (...a: unknown[]) => unknown)(...args);
      const checkedBody = (tx: Sql) => body(checkedTransaction(tx, discard(from)));
      const begun = (from.begin as (...a: unknown[]) => Promise<unknown>)(...args.slice(0, -1), checkedBody);
      return begun.then(undefined, (error: unknown) => {
        discardStalled(from)(error);
        throw error;
      });
    }) as Sql["begin"],
  };
  // The stand-in has only what drizzle calls; the cast states that contract.
  const db = drizzle(current as unknown as Sql, { schema }) as unknown as Db;
  const handle: PostgresHandle = {
    db,
    kind: "postgres",
    recycle() {
      const previous = client;
      client = open();
      // drizzle set its own parsers (timestamps as strings) on the first pool's options.
      Object.assign(client.options.parsers, current.options.parsers);
      Object.assign(client.options.serializers, current.options.serializers);
      previous.end({ timeout: 5 }).catch(() => {});
    },
    close: () => client.end({ timeout: 5 }),
  };
  return handle;
}

/**
 * postgres.js 3.4.9 can throw from a setImmediate after a connection closed under a transaction: its
 * own ROLLBACK is written to a socket that is already null (porsager/postgres#1154, #1208). Nothing
 * can catch it but the process, and the connection is left with a stale write buffer that stalls its
 * next handshake. Recognised by the exact message and the driver's top frame, nothing broader.
 */
export function isClosedConnectionWrite(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  if (error.message !== "Cannot read properties of null (reading 'write')") return false;
  const topFrame = error.stack?.split("\n").find((line) => line.trimStart().startsWith("at "));
  return /\bnextWrite \(.*[\\/]postgres[\\/](?:cjs[\\/]|cf[\\/])?src[\\/]connection\.js:\d+/.test(
    topFrame ?? "",
  );
}
