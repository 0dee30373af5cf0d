/**
 * The system under load: a scratch database on the given PostgreSQL and the real Node server as a
 * child process on a loopback port, both torn down by `stop()` whatever happened.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface ScratchDatabase {
  url: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  // A prefix of one's own (LOAD_DATABASE_PREFIX) keeps runs by several people on one PostgreSQL apart.
  const prefix = process.env.LOAD_DATABASE_PREFIX ?? "portolan_load";
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix))
    throw new Error(`LOAD_DATABASE_PREFIX ${prefix} is not a plain name`);
  const name = `${prefix}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  let dropped = false;
  return {
    url: url.toString(),
    sql,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** CPU seconds of the PostgreSQL backends serving this database (they run on the same machine). */
export async function backendCpuSeconds(sql: postgres.Sql): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, processCpuSeconds(pid));
    } catch {
      // the backend exited in between
    }
  }
  return cpu;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** the server's processes: the one process, or the primary and its workers */
  pids(): number[];
  /** error and warn log lines the server wrote (stderr) */
  problems: string[];
  /** resident set size now and at its peak (kB), from /proc, summed over the server's processes */
  memory(): { rssKb: number; peakKb: number };
  /** CPU seconds the server's processes have used (workers that exited are not counted) */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The process and its children (node:cluster workers), from /proc/<pid>/task/<pid>/children. */
function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return [pid, ...(children ? children.split(" ").map(Number) : [])];
  } catch {
    return [pid];
  }
}

function procStatusKb(pid: number, field: string): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return 0;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

/** utime + stime from /proc/<pid>/stat, in seconds (clock ticks are 100 Hz on Linux). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startServer(options: {
  databaseUrl: string;
  adminToken: string;
  nodeOptions: string[];
  /** server processes sharing the port (PORTOLAN_WORKERS); 1 runs the plain single process */
  servers: number;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...options.nodeOptions, "--import", "tsx", "src/entry/node.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      PORTOLAN_ADMIN_TOKEN: options.adminToken,
      PORTOLAN_WORKERS: String(options.servers),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the server");
  const problems: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) if (line.trim()) problems.push(line.slice(0, 500));
  });
  const stop = async () => {
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 10_000))) {
      child.kill("SIGKILL");
      await waitForExit(child, 5_000);
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 60 s")), 60_000);
    // Every worker says it listens (on the same port); the run starts once all of them do.
    let buffered = "";
    let listening = 0;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /"msg":"portolan listening".*?"url":"([^"]+)"/.exec(line);
        if (match?.[1] && ++listening === options.servers) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
      if (buffered.length > 65_536) buffered = buffered.slice(-4096);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening: ${problems.join("\n")}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url,
    pid,
    problems,
    pids: () => processTree(pid),
    memory: () => {
      const pids = processTree(pid);
      const sum = (field: string) => pids.reduce((kb, p) => kb + procStatusKb(p, field), 0);
      return { rssKb: sum("VmRSS"), peakKb: sum("VmHWM") };
    },
    cpuSeconds: () =>
      processTree(pid).reduce((cpu, p) => {
        try {
          return cpu + processCpuSeconds(p);
        } catch {
          return cpu; // exited in between
        }
      }, 0),
    stop,
  };
}
