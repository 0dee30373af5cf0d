/** The page shell every view shares: header with navigation, the time control, then the view. */
import type { Child } from "hono/jsx";
import { TimeControl } from "./components/time-control.js";
import { link } from "./url-state.js";
import { asOfParam, type View } from "./view.js";

const sections = [
  { path: "/", label: "Fleet" },
  { path: "/ports", label: "Who uses a port" },
  { path: "/trends", label: "Trends" },
  { path: "/plan", label: "Planner" },
];

export function Layout(props: { view: View; title: string; children?: Child }) {
  const { view } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>{`${props.title} · Portolan`}</title>
        <link rel="stylesheet" href="/dashboard/uplot.css" />
        <link rel="stylesheet" href="/dashboard/dashboard.css" />
        <script src="/dashboard/uplot.js" defer />
        <script src="/dashboard/dashboard.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <span class="brand">Portolan</span>
          <nav aria-label="Views">
            {sections.map((s) => (
              <a
                href={link(s.path, asOfParam(view))}
                aria-current={view.path === s.path ? "page" : undefined}
              >
                {s.label}
              </a>
            ))}
          </nav>
          <a class="session" href="/session">
            Token
          </a>
        </header>
        <TimeControl view={view} />
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
