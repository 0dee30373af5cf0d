/** What every page knows about its request: the instant it shows and the query to keep in links. */
export interface View {
  /** the request's path, for the time control's form */
  path: string;
  /** undefined: now */
  asOf: Date | undefined;
  /** the server clock, so the time control's range is the last 30 days whatever the browser's clock */
  now: Date;
  /** the view's own parameters, asOf excluded, kept when the time control moves */
  params: Record<string, string>;
}

/** The parameter every link carries so the whole dashboard stays at one instant. */
export const asOfParam = (view: View) => (view.asOf ? { asOf: view.asOf.toISOString() } : {});
