/**
 * docker-compose.yml, the Dockerfile and .dockerignore against the code they run. There is no
 * Docker engine here, so this is what keeps them from drifting: a renamed entry file, an env var
 * the Node entry does not read, a port mismatch or a missing healthcheck fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AGENT_FLAGS } from "../../agents/src/cli/args.js";
import { readNodeEnv } from "../../src/config/node-env.js";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
}

const composeText = read("docker-compose.yml");
const compose = parse(composeText) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const dockerfile = read("Dockerfile");
/** The runtime stage: everything after the last FROM. */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

const ADMIN_SAMPLE = "a-sample-admin-token-of-enough-length";

/** Compose interpolation as `docker compose` does it, with a sample for required variables. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (op === "-") return arg ?? "";
    if (name === "PORTOLAN_ADMIN_TOKEN") return ADMIN_SAMPLE;
    throw new Error(`no sample value for ${name}`);
  });
}

const envOf = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe("docker-compose.yml", () => {
  it("builds only from Dockerfiles that exist", () => {
    const builds = Object.values(services).filter((s) => s.build);
    expect(builds.length).toBeGreaterThan(0);
    for (const service of builds) {
      const build = typeof service.build === "string" ? { context: service.build } : (service.build ?? {});
      const file = join(root, build.context ?? ".", build.dockerfile ?? "Dockerfile");
      expect(existsSync(file), file).toBe(true);
    }
  });

  it("sets, on api and migrate, only variables the Node entry reads, with values it accepts", () => {
    for (const name of ["api", "migrate"]) {
      const env = envOf(services[name] ?? {});
      expect(Object.keys(env).length, name).toBeGreaterThan(0);
      // readNodeEnv keeps only the keys of its schema (shared + Node), so a key it drops is unknown.
      const parsed = readNodeEnv(env) as Record<string, unknown>;
      expect(Object.keys(env).filter((key) => !(key in parsed))).toEqual([]);
    }
  });

  it("requires PORTOLAN_ADMIN_TOKEN from .env for the api with an error marker, never a default", () => {
    const raw = services.api?.environment?.PORTOLAN_ADMIN_TOKEN ?? "";
    expect(raw).toMatch(/^\$\{PORTOLAN_ADMIN_TOKEN:\?.+\}$/);
    expect(composeText).not.toMatch(/PORTOLAN_ADMIN_TOKEN:-/);
  });

  it("points migrate and api at the same database, the postgres service's", () => {
    const url = new URL(envOf(services.api ?? {}).DATABASE_URL ?? "");
    expect(envOf(services.migrate ?? {}).DATABASE_URL).toBe(url.toString());
    expect(url.hostname).toBe("postgres");
    const pg = services.postgres?.environment ?? {};
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      pg.POSTGRES_DB,
    ]);
  });

  it("has valid depends_on conditions on defined services, healthy ones with a healthcheck", () => {
    const conditions = ["service_started", "service_healthy", "service_completed_successfully"];
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services), `${name} → ${target}`).toContain(target);
        expect(conditions, `${name} → ${target}`).toContain(condition);
        if (condition === "service_healthy") expect(services[target]?.healthcheck, target).toBeDefined();
        if (condition === "service_completed_successfully") expect(services[target]?.restart).toBe("no");
      }
    }
    expect(services.api?.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      migrate: { condition: "service_completed_successfully" },
    });
  });

  it("runs the compiled migration entry in the migrate service", () => {
    const command = services.migrate?.command ?? [];
    expect(command).toEqual(["node", "dist/src/entry/migrate.js"]);
    expect(existsSync(join(root, "src/entry/migrate.ts"))).toBe(true);
  });

  it("publishes the port the api listens on", () => {
    const port = readNodeEnv(envOf(services.api ?? {})).PORT;
    expect(services.api?.ports).toEqual([`${port}:${port}`]);
    expect(runtimeStage).toMatch(new RegExp(`^EXPOSE ${port}$`, "m"));
  });

  it("health-checks postgres with pg_isready and the api on /healthz at its port", () => {
    expect(services.postgres?.healthcheck?.test.join(" ")).toMatch(/pg_isready/);
    const port = readNodeEnv(envOf(services.api ?? {})).PORT;
    expect(services.api?.healthcheck?.test.join(" ")).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(services.postgres?.image).toBe("postgres:15");
    expect(Object.keys(compose.volumes ?? {})).toContain("pgdata");
  });

  it("keeps a commented agent service that uses only flags the agent accepts", () => {
    const lines = composeText.split("\n");
    const start = lines.indexOf("  # agent:");
    expect(start).toBeGreaterThan(0);
    const block = [lines[start] ?? ""];
    for (const line of lines.slice(start + 1)) {
      if (!line.startsWith("  #   ")) break;
      block.push(line);
    }
    const uncommented = block.map((line) => line.replace(/^ {2}# /, "  "));
    const agent = (parse(`services:\n${uncommented.join("\n")}`) as { services: Record<string, Service> })
      .services.agent;
    expect(agent?.build).toEqual({ context: ".", dockerfile: "agents/Dockerfile" });
    const flags = (agent?.command ?? []).filter((arg) => arg.startsWith("--")).map((arg) => arg.slice(2));
    expect(flags).toEqual(["kubeconfig", "cluster", "server", "token-file"]);
    for (const flag of flags) expect(Object.keys(AGENT_FLAGS)).toContain(flag);
    expect(agent?.command).toContain("http://api:8080");
  });
});

describe("Dockerfile", () => {
  it("runs as a non-root user in the final stage", () => {
    const users = [...runtimeStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(["root", "0", "0:0"]).not.toContain(users.at(-1));
  });

  it("has a HEALTHCHECK on /healthz using node's fetch", () => {
    const healthcheck = /^HEALTHCHECK .*\\\n(.*)$/m.exec(runtimeStage)?.[1] ?? "";
    expect(healthcheck).toMatch(/^\s*CMD \["node", "-e", ".*fetch\(.*\/healthz.*"\]$/);
  });

  it("ships the migrations, the build, the bin and production dependencies only", () => {
    expect(runtimeStage).toMatch(/^COPY migrations \.\/migrations$/m);
    expect(runtimeStage).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    expect(runtimeStage).toMatch(/^COPY bin \.\/bin$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtimeStage).toMatch(/^FROM node:20-slim/m);
    expect(runtimeStage).toMatch(/HOST=0\.0\.0\.0/);
  });

  it("serves with the compiled CLI, built by the package's build script", () => {
    // The heap flags between node and the script: test/integration/server-heap.test.ts.
    expect(runtimeStage).toMatch(
      /^CMD \["node", (?:"--[a-z-]+=\d+", )*"dist\/src\/cli\/run\.js", "serve"\]$/m,
    );
    expect(existsSync(join(root, "src/cli/run.ts"))).toBe(true);
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe("tsc -p tsconfig.build.json");
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
  });

  it("copies only paths that exist and that .dockerignore lets through", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? "").split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(
        ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        source,
      ).toEqual([]);
    }
  });
});

describe("the production dependencies", () => {
  /** Packages the server's code imports at run time (type-only imports vanish when compiled). */
  function runtimeImports(dir: string): Set<string> {
    const found = new Set<string>();
    for (const entry of readdirSync(join(root, dir))) {
      const path = join(dir, entry);
      if (statSync(join(root, path)).isDirectory()) {
        for (const name of runtimeImports(path)) found.add(name);
        continue;
      }
      // The Worker entry runs on workerd from its own bundle, never from this image.
      if (!path.endsWith(".ts") || path === "src/entry/worker.ts") continue;
      const code = read(path);
      const specifiers = [
        ...code.matchAll(/^import\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm),
        ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1] ?? "");
      for (const spec of specifiers) {
        if (spec.startsWith(".") || spec.startsWith("node:")) continue;
        const parts = spec.split("/");
        found.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec));
      }
    }
    return found;
  }

  it("include every package the server and CLI import (the image installs no devDependencies)", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const missing = [...runtimeImports("src")].filter((name) => !(name in pkg.dependencies));
    expect(missing).toEqual([]);
  });
});
