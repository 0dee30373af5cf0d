/**
 * Procedure paths, inputs and answers typed from the app's router: a test that reads a field the
 * procedure no longer answers, or sends one it no longer takes, fails to compile.
 */
import type {
  AnyMutationProcedure,
  AnyQueryProcedure,
  inferRouterInputs,
  inferRouterOutputs,
} from "@trpc/server";
import type { AppRouter } from "../../src/api/root.js";

type Procedures = AppRouter["_def"]["record"];
type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;

/** "router.procedure" for every procedure of the given kind (the app's routers are one level deep). */
type PathOf<Kind> = {
  [R in keyof Procedures & string]: {
    [P in keyof Procedures[R] & string]: Procedures[R][P] extends Kind ? `${R}.${P}` : never;
  }[keyof Procedures[R] & string];
}[keyof Procedures & string];

export type QueryPath = PathOf<AnyQueryProcedure>;
export type MutationPath = PathOf<AnyMutationProcedure>;

type At<Tree, Path> = Path extends `${infer R extends keyof Tree & string}.${infer P}`
  ? P extends keyof Tree[R]
    ? Tree[R][P]
    : never
  : never;

/** What the procedure at `Path` takes (before its schema's defaults) and answers (as JSON). */
export type InputOf<Path extends QueryPath | MutationPath> = At<Inputs, Path>;
export type OutputOf<Path extends QueryPath | MutationPath> = At<Outputs, Path>;
